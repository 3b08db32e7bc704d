process GENER1_TRAIN_WARMUP {
    tag "${meta.id}"
    label 'process_high'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.use_gpu ? 'gener1/gener1-cuda:0.1.0' : 'gener1/gener1:0.1.0' }"

    input:
    tuple val(meta), path(corpus)
    path model

    output:
    tuple val(meta), path("${prefix}")                     , emit: model
    tuple val(meta), path("${prefix}/gener1_run.json")     , emit: run_config
    tuple val(meta), path("${prefix}/log.jsonl")           , emit: log
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // Stage 1, knowledge warm-up. e.g. ext.args = '--lora --max-tokens 200000'
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.warmup"
    // [] = the built-in base (smollm2-135m-instruct) or whatever `--model` ext.args names
    def model_arg = model ? "--model '${model}'" : ''
    """
    gener1 train warmup \\
        '${corpus}' \\
        -o '${prefix}' \\
        ${model_arg} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.warmup"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/config.json' '${prefix}/gener1_run.json' '${prefix}/log.jsonl'
    """
}
