#!/usr/bin/env nextflow
/*
 * gener1 — name the biological function of gene sets with a small reasoning LLM trained the Gene-R1 way
 * (arXiv 2509.10575), with classical enrichment beside every name.
 *
 *   nextflow run . -profile test,docker                                  # annotate the test samplesheet
 *   nextflow run . --input samplesheet.csv --outdir results -profile docker
 *   nextflow run . --mode train --outdir runs -profile docker,gpu        # KB -> corpora -> 3 stages -> evaluate
 *
 * Every process wraps one `gener1` command (modules/local/<name>/main.nf); this file only wires them.
 */
nextflow.enable.dsl = 2

include { validateParameters; paramsSummaryLog; samplesheetToList } from 'plugin/nf-schema'
include { GENER1_KB_BUILD } from './modules/local/kb_build/main'
include { ANNOTATE        } from './workflows/annotate'
include { TRAIN           } from './workflows/train'

workflow {
    if (params.validate_params) {
        validateParameters()
    }
    log.info paramsSummaryLog(workflow)
    if (!(params.mode in ['annotate', 'train'])) {
        error "--mode must be 'annotate' or 'train', not '${params.mode}'"
    }

    // The knowledge base: a given file, one built from a sources sheet (name,path rows), or [] = the
    // default KB already inside the container image ($GENER1_HOME/kb/default.sqlite).
    if (params.kb) {
        ch_kb = Channel.value(file(params.kb, checkIfExists: true))
    } else if (params.kb_sources) {
        ch_sources = Channel
            .fromList(samplesheetToList(params.kb_sources, "${projectDir}/assets/schema_kb_sources.json"))
            .toList()
            .map { rows -> [[id: 'kb'], rows.collect { row -> row[0] }, rows.collect { row -> row[1] }] }
        GENER1_KB_BUILD(ch_sources)
        ch_kb = GENER1_KB_BUILD.out.kb.map { meta, kb -> kb }.first()
    } else {
        ch_kb = Channel.value([])
    }
    ch_model = params.model ? Channel.value(file(params.model, checkIfExists: true)) : Channel.value([])

    if (params.mode == 'annotate') {
        if (!params.input) {
            error "--input is required in annotate mode: a samplesheet with columns sample,file[,format,padj,lfc]"
        }
        // rows -> [ meta(id, format, padj, lfc), file ]; assets/schema_input.json checks columns and paths
        ch_samples = Channel.fromList(samplesheetToList(params.input, "${projectDir}/assets/schema_input.json"))
        ANNOTATE(ch_samples, ch_kb, ch_model, params.chunk_size as Integer)
        ch_versions = ANNOTATE.out.versions
    } else {
        ch_base_model = params.base_model ? Channel.value(file(params.base_model, checkIfExists: true)) : Channel.value([])
        TRAIN(ch_kb, ch_base_model, params.run_name, params.benchmark, params.eval_limit)
        ch_versions = TRAIN.out.versions
    }

    // One versions.yml per task: the distinct entries, in one file.
    ch_versions
        .map { versions -> versions.text.trim() }
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true, newLine: true)
}
