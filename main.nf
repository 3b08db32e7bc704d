#!/usr/bin/env nextflow
/*
 * gener1 — name the biological function of gene sets with a small reasoning LLM trained the Gene-R1 way
 * (arXiv 2509.10575), with classical enrichment beside every name.
 *
 *   nextflow run . -profile test,docker --outdir results                 # annotate the test samplesheet
 *   nextflow run . --input samplesheet.csv --outdir results -profile docker
 *   nextflow run . --mode train --outdir runs -profile docker,gpu        # KB -> corpora -> 3 stages -> evaluate
 *
 * Every process wraps one `gener1` command (modules/local/<name>/main.nf); this file only wires them.
 * Written in Nextflow's strict syntax (tests/test_ecosystem_strict_syntax.py checks it offline).
 */

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
    // default KB already inside the container image ($GENER1_HOME/kb/default.sqlite, see `gener1 setup`).
    def ch_kb = channel.value([])
    if (params.kb) {
        ch_kb = channel.value(file(params.kb, checkIfExists: true))
    } else if (params.kb_sources) {
        def sources_sheet = file(params.kb_sources, checkIfExists: true)
        def ch_sources = channel
            .fromList(samplesheetToList(params.kb_sources, "${projectDir}/assets/schema_kb_sources.json"))
            .toList()
            .map { rows -> [[id: 'kb'], rows.collect { row -> row[0] }, rows.collect { row -> fromSheet(row[1], sources_sheet) }] }
        GENER1_KB_BUILD(ch_sources)
        ch_kb = GENER1_KB_BUILD.out.kb.map { meta, kb -> kb }.first()
    }
    def ch_model = params.model ? channel.value(file(params.model, checkIfExists: true)) : channel.value([])

    if (params.mode == 'annotate') {
        if (!params.input) {
            error "--input is required in annotate mode: a samplesheet with columns sample,file[,format,padj,lfc]"
        }
        // rows -> [ meta(id, format, padj, lfc), file ]; assets/schema_input.json checks the columns, and
        // relative file paths resolve from the samplesheet's folder (so test-data works from any launch directory)
        def sheet = file(params.input, checkIfExists: true)
        def ch_samples = channel
            .fromList(samplesheetToList(params.input, "${projectDir}/assets/schema_input.json"))
            .map { meta, path -> [meta, fromSheet(path, sheet)] }
        ANNOTATE(ch_samples, ch_kb, ch_model, params.chunk_size as Integer)
    } else {
        def ch_base_model = params.base_model ? channel.value(file(params.base_model, checkIfExists: true)) : channel.value([])
        TRAIN(ch_kb, ch_base_model, params.run_name, params.benchmark, params.eval_limit)
    }

    // Software versions: every module emits (process, tool, version) on the `versions` topic.
    channel.topic('versions')
        .map { process, tool, version -> "${process.tokenize(':').last()}:\n    ${tool}: ${version}" }
        .mix(channel.of("Workflow:\n    gener1: ${workflow.manifest.version}\n    Nextflow: ${nextflow.version}"))
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true, newLine: true)
}

/*
 * A path from a samplesheet cell: URLs and absolute paths as given; a relative path from the sheet's own
 * folder, else from the launch directory. Fails naming the cell's value and both places looked in.
 */
def fromSheet(value, sheet) {
    def text = value.toString()
    if (text.contains('://') || text.startsWith('/')) {
        return file(text, checkIfExists: true)
    }
    def beside = sheet.parent.resolve(text)
    if (beside.exists()) {
        return beside
    }
    def launched = file(text)
    if (launched.exists()) {
        return launched
    }
    error "samplesheet ${sheet}: file does not exist: ${text} (looked in ${sheet.parent} and ${workflow.launchDir})"
}
