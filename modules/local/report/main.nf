process GENER1_REPORT {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(chunks, stageAs: 'chunk??????/*')

    output:
    tuple val(meta), path("${prefix}")                   , emit: results
    tuple val(meta), path("${prefix}/annotations.tsv")   , emit: tsv
    tuple val(meta), path("${prefix}/annotations.jsonl") , emit: jsonl
    tuple val(meta), path("${prefix}/report.html")       , emit: report
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // The gather step: every chunk's JSON lines carry each set's global index, so the merged table has
    // one row per input set in input order, whatever order the chunks finished in.
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    gener1 report \\
        ${chunks} \\
        -o '${prefix}' \\
        ${args}

    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/annotations.tsv' '${prefix}/annotations.jsonl' '${prefix}/report.html'

    """
}
