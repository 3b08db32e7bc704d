process GENER1_PREPARE_SETS {
    tag "${meta.id}"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'gener1_0.1.0.sif' : 'gener1:0.1.0' }"

    input:
    tuple val(meta), path(input)

    output:
    tuple val(meta), path("${prefix}.{gmt,tsv}")  , emit: sets
    tuple val(meta), path("${prefix}.n_sets.txt"), emit: n_sets
    path "versions.yml"                         , emit: versions

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
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.sets"
    """
    cp '${input}' '${prefix}.gmt'
    echo 1 > '${prefix}.n_sets.txt'
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """
}
