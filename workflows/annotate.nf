/*
 * Annotate mode (after a DE analysis): gene-set files or DE tables from a samplesheet
 *   -> prepare (DE thresholds per sample, set count) -> scatter into chunks of `chunk_size` sets
 *   -> gener1 annotate per chunk (--start/--limit) -> gener1 report (gather: one table, one report per sample)
 *   -> gener1 enrich per sample (classical ORA report beside the names).
 * Software versions go to the `versions` topic channel (main.nf collects them).
 */
include { GENER1_PREPARE_SETS    } from '../modules/local/prepare_sets/main'
include { GENER1_ANNOTATE        } from '../modules/local/annotate/main'
include { GENER1_REPORT          } from '../modules/local/report/main'
include { GENER1_ENRICH          } from '../modules/local/enrich/main'

workflow ANNOTATE {
    take:
    ch_samples  // channel: [ val(meta), path(gene-set file or DE table) ]
    ch_kb       // value channel: path(kb.sqlite) or [] (the image's default KB)
    ch_model    // value channel: path(model directory) or [] (the shipped model)
    chunk_size  // integer: gene sets per annotate task

    main:
    GENER1_PREPARE_SETS(ch_samples)
    ch_sets = GENER1_PREPARE_SETS.out.sets

    // Scatter: one task per `chunk_size` sets, addressed by --start/--limit so every set keeps its
    // global index (the gather step orders and de-duplicates by it). An input without any set never
    // gets here: GENER1_PREPARE_SETS fails on it with the reader's message.
    ch_chunks = ch_sets
        .join(GENER1_PREPARE_SETS.out.n_sets)
        .flatMap { meta, sets, n_sets_file ->
            def n_sets = n_sets_file.text.trim() as Integer
            def starts = (0..<n_sets).step(chunk_size)
            starts.collect { start -> [meta + [n_chunks: starts.size()], sets, start, chunk_size] }
        }
    GENER1_ANNOTATE(ch_chunks, ch_kb, ch_model)

    // Gather: wait for exactly n_chunks results per sample (groupKey), then one table + report.
    ch_chunk_dirs = GENER1_ANNOTATE.out.results
        .map { meta, dir -> [groupKey(meta.id, meta.n_chunks), meta, dir] }
        .groupTuple()
        .map { key, metas, dirs -> [metas[0].findAll { k, v -> k != 'n_chunks' }, dirs.sort { dir -> dir.name }] }
    GENER1_REPORT(ch_chunk_dirs)

    GENER1_ENRICH(ch_sets, ch_kb)

    emit:
    annotations = GENER1_REPORT.out.tsv       // channel: [ val(meta), path(annotations.tsv) ]
    reasoning   = GENER1_REPORT.out.jsonl     // channel: [ val(meta), path(annotations.jsonl) ]
    report      = GENER1_REPORT.out.report    // channel: [ val(meta), path(report.html) ]
    enrichment  = GENER1_ENRICH.out.results   // channel: [ val(meta), path(enrichment folder) ]
}
