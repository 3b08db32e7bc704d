process GENER1_CORPUS_KNOWLEDGE {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(kb)

    output:
    tuple val(meta), path("${prefix}.jsonl")       , emit: corpus
    tuple val(meta), path("${prefix}.report.json") , emit: report
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.warmup_corpus"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    """
    gener1 corpus knowledge \\
        ${kb_arg} \\
        -o '${prefix}.jsonl' \\
        --report '${prefix}.report.json' \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.warmup_corpus"
    """
    touch '${prefix}.jsonl' '${prefix}.report.json'
    """
}
