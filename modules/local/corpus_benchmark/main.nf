process GENER1_CORPUS_BENCHMARK {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(kb)

    output:
    tuple val(meta), path("${prefix}.jsonl")       , emit: sets
    tuple val(meta), path("${prefix}.report.json") , emit: report
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // e.g. ext.args = '--library GO_BP --min-size 3 --max-size 500 --split 0.8,0.1,0.1'
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.task_sets"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    """
    gener1 corpus benchmark \\
        ${kb_arg} \\
        -o '${prefix}.jsonl' \\
        --report '${prefix}.report.json' \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.task_sets"
    """
    touch '${prefix}.jsonl' '${prefix}.report.json'
    """
}
