process GENER1_EVALUATE {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), val(labels), path(predictions, stageAs: 'predictions/?/*')
    val benchmark

    output:
    tuple val(meta), path("${prefix}")                , emit: results
    tuple val(meta), path("${prefix}/per_set.tsv")    , emit: per_set
    tuple val(meta), path("${prefix}/summary.json")   , emit: summary
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // e.g. ext.args = '--encoder minilm --require-reasoning'
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}.evaluation"
    // One -p LABEL=FILE per method, in order: the first is the baseline of the paired t-tests.
    // Nextflow gives one staged file as a Path and several as an iterable list: accept both.
    def files = predictions instanceof java.nio.file.Path ? [predictions] : predictions.toList()
    def methods = [labels, files].transpose().collect { label, file -> "-p '${label}=${file}'" }.join(' ')
    """
    gener1 evaluate \\
        ${methods} \\
        -b '${benchmark}' \\
        -o '${prefix}' \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.evaluation"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/per_set.tsv' '${prefix}/summary.json'
    """
}
