process GENER1_CORPUS_REASONING {
    tag "${meta.id}"
    label 'process_medium'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(sets)
    path kb

    output:
    tuple val(meta), path("${prefix}.jsonl")             , emit: corpus
    tuple val(meta), path("${prefix}.jsonl.report.json") , emit: report
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // e.g. ext.args = '--teacher grounded --threshold 0.7 --encoder minilm'
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.reasoning_corpus"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    """
    gener1 corpus reasoning \\
        '${sets}' \\
        -o '${prefix}.jsonl' \\
        ${kb_arg} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.reasoning_corpus"
    """
    touch '${prefix}.jsonl' '${prefix}.jsonl.report.json'
    """
}
