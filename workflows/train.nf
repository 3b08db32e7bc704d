/*
 * Train mode, the Gene-R1 recipe end to end:
 *   KB -> knowledge warm-up corpus -> task-alignment sets -> reasoning corpus
 *      -> stage 1 warm-up -> stage 2 reasoning SFT -> stage 3 GRPO
 *      -> annotate a bundled benchmark with the aligned model, name it with the non-LLM baselines too
 *      -> evaluate all of them against its gold names (the baselines first: the t-tests' reference).
 * Evaluation terms are held out of the corpora by the gener1 commands themselves.
 */
include { GENER1_CORPUS_KNOWLEDGE                        } from '../modules/local/corpus_knowledge/main'
include { GENER1_CORPUS_BENCHMARK                        } from '../modules/local/corpus_benchmark/main'
include { GENER1_CORPUS_REASONING                        } from '../modules/local/corpus_reasoning/main'
include { GENER1_TRAIN_WARMUP                            } from '../modules/local/train_warmup/main'
include { GENER1_TRAIN_REASON                            } from '../modules/local/train_reason/main'
include { GENER1_TRAIN_ALIGN                             } from '../modules/local/train_align/main'
include { GENER1_BENCHMARK_EXPORT                        } from '../modules/local/benchmark_export/main'
include { GENER1_ANNOTATE as GENER1_ANNOTATE_BENCHMARK   } from '../modules/local/annotate/main'
include { GENER1_BASELINE                                } from '../modules/local/baseline/main'
include { GENER1_EVALUATE                                } from '../modules/local/evaluate/main'

workflow TRAIN {
    take:
    ch_kb          // value channel: path(kb.sqlite) or [] (the image's default KB)
    ch_base_model  // value channel: path(model directory) or [] (the built-in base, SmolLM2-135M-Instruct)
    run_name       // string: names the run's outputs
    benchmark      // string: GO_BP, GO_MF, GO_CC, NeST, MSigDB
    eval_limit     // integer or null: annotate the first N benchmark sets only (every method is then
                   // scored on those sets: GENER1_EVALUATE gets --shared-only, conf/modules.config)

    main:
    ch_run_kb = ch_kb.map { kb -> [[id: run_name], kb] }

    GENER1_CORPUS_KNOWLEDGE(ch_run_kb)
    GENER1_CORPUS_BENCHMARK(ch_run_kb)
    GENER1_CORPUS_REASONING(GENER1_CORPUS_BENCHMARK.out.sets, ch_kb)

    GENER1_TRAIN_WARMUP(GENER1_CORPUS_KNOWLEDGE.out.corpus, ch_base_model)
    GENER1_TRAIN_REASON(GENER1_CORPUS_REASONING.out.corpus, GENER1_TRAIN_WARMUP.out.model.map { meta, dir -> dir })
    GENER1_TRAIN_ALIGN(GENER1_CORPUS_BENCHMARK.out.sets, GENER1_TRAIN_REASON.out.model.map { meta, dir -> dir })
    ch_model = GENER1_TRAIN_ALIGN.out.model.map { meta, dir -> dir }

    GENER1_BENCHMARK_EXPORT(channel.value([[id: benchmark], benchmark]))
    GENER1_ANNOTATE_BENCHMARK(
        GENER1_BENCHMARK_EXPORT.out.sets.map { meta, sets -> [meta + [label: run_name], sets, 0, eval_limit] },
        ch_kb,
        ch_model
    )
    GENER1_BASELINE(
        channel.of('enrich-top1', 'nearest').map { method -> [[id: "${benchmark}.${method}", method: method], method, benchmark] },
        ch_kb
    )
    // [label, file] pairs -> one evaluation: baselines first (in a fixed order), then the trained model
    def order = ['enrich-top1', 'nearest']
    ch_predictions = GENER1_BASELINE.out.predictions
        .map { meta, tsv -> [meta.method, tsv] }
        .mix(GENER1_ANNOTATE_BENCHMARK.out.jsonl.map { meta, jsonl -> [run_name, jsonl] })
        .toSortedList { a, b -> (order.indexOf(a[0]) + 1 ?: 99) <=> (order.indexOf(b[0]) + 1 ?: 99) }
        .map { pairs -> [[id: benchmark], pairs.collect { pair -> pair[0] }, pairs.collect { pair -> pair[1] }] }
    GENER1_EVALUATE(ch_predictions, benchmark)

    emit:
    model      = GENER1_TRAIN_ALIGN.out.model   // channel: [ val(meta), path(run directory) ]
    evaluation = GENER1_EVALUATE.out.results    // channel: [ val(meta), path(evaluation folder) ]
}
