process GENER1_BASELINE {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container 'gener1/gener1:0.1.0'

    input:
    tuple val(meta), val(method), val(benchmark)
    path kb

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: predictions
    tuple val("${task.process}"), val('gener1'), eval('gener1 --version | sed "s/^gener1, version //"'), emit: versions_gener1, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // A non-LLM baseline named like the command: enrich-top1 (most enriched term) or nearest (most similar
    // known set); each set's own gold term is held out, as the evaluation protocol requires.
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    """
    gener1 baseline ${method} \\
        --benchmark '${benchmark}' \\
        -o '${prefix}.tsv' \\
        ${kb_arg} \\
        ${args}

    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch '${prefix}.tsv'

    """
}
