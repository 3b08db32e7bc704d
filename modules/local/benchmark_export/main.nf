process GENER1_BENCHMARK_EXPORT {
    tag "${meta.id}"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'gener1_0.1.0.sif' : 'gener1:0.1.0' }"

    input:
    tuple val(meta), val(benchmark)

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: sets
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    gener1 benchmark export \\
        '${benchmark}' \\
        --format tsv \\
        -o '${prefix}.tsv' \\
        ${args}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch '${prefix}.tsv'
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """
}
