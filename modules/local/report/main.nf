process GENER1_ANNOTATE_GATHER {
    tag "${meta.id}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'gener1_0.1.0.sif' : 'gener1:0.1.0' }"

    input:
    tuple val(meta), path(sets), path(chunks, stageAs: 'chunk??????/*')
    path kb
    path model

    output:
    tuple val(meta), path("${prefix}")                   , emit: results
    tuple val(meta), path("${prefix}/annotations.tsv")   , emit: tsv
    tuple val(meta), path("${prefix}/annotations.jsonl") , emit: jsonl
    tuple val(meta), path("${prefix}/report.html")       , emit: report, optional: true
    path "versions.yml"                                  , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // The chunks' JSON lines carry each set's global index, so concatenating them and running
    // `gener1 annotate --resume` on the whole file rebuilds one table (one row per input set, in input
    // order) and one report, generating nothing. A set that a lost chunk never wrote is annotated here,
    // with the same model, rather than silently missing.
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def kb_arg = kb ? "--kb '${kb}'" : ''
    def model_arg = model ? "--model '${model}'" : ''
    """
    mkdir -p '${prefix}/plots'
    for chunk in chunk*/*/; do
        cat "\$chunk/annotations.jsonl" >> '${prefix}/annotations.jsonl'
        if [ -d "\$chunk/plots" ]; then
            find "\$chunk/plots" -maxdepth 1 -type f -exec cp {} '${prefix}/plots/' \\;
        fi
    done
    gener1 annotate \\
        '${sets}' \\
        -o '${prefix}' \\
        --resume \\
        ${kb_arg} ${model_arg} \\
        --threads ${task.cpus} \\
        ${args}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p '${prefix}'
    touch '${prefix}/annotations.tsv' '${prefix}/annotations.jsonl' '${prefix}/report.html'
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        gener1: \$(gener1 --version | sed 's/^gener1, version //')
    END_VERSIONS
    """
}
