process GENER1_ANNOTATE {
    tag "${meta.id}:${start}"
    label 'process_medium'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(sets), val(start), val(limit)
    path kb
    path model

    output:
    tuple val(meta), path("${prefix}")                   , emit: results
    tuple val(meta), path("${prefix}/annotations.tsv")   , emit: tsv
    tuple val(meta), path("${prefix}/annotations.jsonl") , emit: jsonl
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // e.g. ext.args = '--mode grounded --batch-size 8' (conf/modules.config builds it from params)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.chunk${start}"
    def kb_arg = kb ? "--kb '${kb}'" : ''              // [] = the default KB of the container / GENER1_HOME
    def model_arg = model ? "--model '${model}'" : ''  // [] = the shipped model
    def chunk = limit ? "--start ${start} --limit ${limit}" : "--start ${start}"
    """
    gener1 annotate \\
        '${sets}' \\
        -o '${prefix}' \\
        ${chunk} \\
        ${kb_arg} ${model_arg} \\
        --threads ${task.cpus} \\
        --no-report \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.chunk${start}"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/annotations.tsv' '${prefix}/annotations.jsonl'
    """
}
