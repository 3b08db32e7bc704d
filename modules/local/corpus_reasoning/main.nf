process GENER1_CORPUS_REASONING {
    tag "${meta.id}"
    label 'process_medium'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'gener1_0.1.0.sif' : 'gener1:0.1.0' }"

    input:
    tuple val(meta), path(sets)
    path kb

    output:
    tuple val(meta), path("${prefix}.jsonl")             , emit: corpus
    tuple val(meta), path("${prefix}.jsonl.report.json") , emit: report
    path "versions.yml"                                  , emit: versions

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
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.reasoning_corpus"
    """
    touch '${prefix}.jsonl' '${prefix}.jsonl.report.json'
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """
}
