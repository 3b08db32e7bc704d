process GENER1_KB_BUILD {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), val(source_names), path(source_files, stageAs: 'sources/?/*')

    output:
    tuple val(meta), path("${prefix}.sqlite"), emit: kb
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    // One --source NAME=FILE per file, in the order the names were given. Each file is staged alone in
    // sources/<i>/ (stageAs 'sources/?/*') so two sources with the same file name cannot collide.
    // Nextflow gives one staged file as a Path and several as an iterable list: accept both.
    def files = source_files instanceof java.nio.file.Path ? [source_files] : source_files.toList()
    def sources = [source_names, files].transpose().collect { name, file -> "--source '${name}=${file}'" }.join(' ')
    """
    gener1 kb build \\
        ${sources} \\
        -o '${prefix}.sqlite' \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch '${prefix}.sqlite'
    """
}
