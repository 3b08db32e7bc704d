process GENER1_ENRICH {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(sets)
    path kb

    output:
    tuple val(meta), path("${prefix}")              , emit: results
    tuple val(meta), path("${prefix}/summary.tsv")  , emit: summary
    tuple val(meta), path("${prefix}/combined.tsv") , emit: combined
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // e.g. ext.args = '--library GO_BP --library KEGG_2021_HUMAN --fdr 0.05'
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.enrichment"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    """
    gener1 enrich \\
        '${sets}' \\
        -o '${prefix}' \\
        ${kb_arg} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.enrichment"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/summary.tsv' '${prefix}/combined.tsv'
    """
}
