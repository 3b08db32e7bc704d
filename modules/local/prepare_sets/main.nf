process GENER1_PREPARE_SETS {
    tag "${meta.id}"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), path(input)

    output:
    tuple val(meta), path("${prefix}.{gmt,tsv}")  , emit: sets
    tuple val(meta), path("${prefix}.n_sets.txt"), emit: n_sets
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.sets"
    // Per-sample DE thresholds come from the samplesheet (meta.padj, meta.lfc, meta.format); an empty cell
    // may arrive as null, '' or [] depending on the samplesheet parser, and lfc may legitimately be 0.
    def given = { value -> value != null && value != '' && value != [] }
    def format = given(meta.format) ? "--format ${meta.format}" : ''
    def padj = given(meta.padj) ? "--padj ${meta.padj}" : ''
    def lfc = given(meta.lfc) ? "--lfc ${meta.lfc}" : ''
    """
    gener1-prepare-sets \\
        '${input}' \\
        --prefix '${prefix}' \\
        ${format} ${padj} ${lfc} \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.sets"
    """
    cp '${input}' '${prefix}.gmt'
    echo 1 > '${prefix}.n_sets.txt'
    """
}
