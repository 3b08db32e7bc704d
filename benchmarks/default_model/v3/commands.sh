#!/usr/bin/env bash
# The exact runs behind benchmarks/default_model/v3/ (2026-12-01), from runs/default-model-eval after
# `make evaluate-default-model` had drawn its samples (sample_stages/: 20 seeded sets per benchmark, 100 sets)
# and `make default-model` had trained runs/default-model/{warmup,reason,align}. Each annotate ran at 1 thread,
# two to three at a time on the 2 cores. This is scripts/gener1-evaluate-default-model's protocol, run by hand so
# that rows could be cut at the smallest 64 sets (annotate works through sets smallest first, so a run stopped
# part-way holds the smallest ones; `gener1 evaluate --shared-only` scores every row on the sets all rows have).
set -euo pipefail
cd runs/default-model-eval
S=(sample_stages/GO_BP.tsv sample_stages/GO_MF.tsv sample_stages/GO_CC.tsv sample_stages/NeST.tsv sample_stages/MSigDB.tsv)
COMMON=(--mode grounded --hold-out-own-term --batch-size 32 --max-new-tokens 256 --threads 1 --resume --no-report)
M=../default-model

# Baselines (all 1,614 sets; scored on the subset)
for method in enrich-top1 nearest; do
  for b in GO_BP GO_MF GO_CC NeST MSigDB; do gener1 baseline "$method" --benchmark "$b" -o "baselines/${method}_$b.tsv"; done
  awk 'FNR > 1 || NR == 1' baselines/${method}_*.tsv > "baselines/$method.tsv"
done

# All-evidence protocol (EVIDENCE=all): every set reads GO BP/MF/CC + pathway evidence
gener1 annotate "${S[@]}" -o ann_stages20/gener1-grounded "${COMMON[@]}"                       # shipped = $M/align
gener1 annotate "${S[@]}" -o ann_stages20/sft-grounded --model $M/reason "${COMMON[@]}"
gener1 annotate "${S[@]}" -o ann_stages20/gener1-model-only "${COMMON[@]/grounded/model-only}"
NO_FORMAT_HELP=(--retries 0 --no-force-format --max-new-tokens 64)   # checkpoints that never saw the format
gener1 annotate "${S[@]}" -o ann_stages20/warm-up-grounded --model $M/warmup "${COMMON[@]}" "${NO_FORMAT_HELP[@]}"
gener1 annotate "${S[@]}" -o ann_stages20/base-grounded --model smollm2-135m-instruct "${COMMON[@]}" "${NO_FORMAT_HELP[@]}"
gener1 annotate "${S[@]}" -o ann_stages20/base-model-only --model smollm2-135m-instruct "${COMMON[@]/grounded/model-only}" "${NO_FORMAT_HELP[@]}"
# Ablations (scripts/gener1-train-ablations trains them the same way), stopped after their 64 smallest sets
gener1 annotate "${S[@]}" -o ann_stages20/online-dpo-grounded --model $M/align-odpo "${COMMON[@]}"
gener1 annotate "${S[@]}" -o ann_stages20/exact-reward-grounded --model $M/align-exact "${COMMON[@]}"
# Merged instead of cascade knowledge injection (trained as scripts/gener1-train-ablations does, at 2 threads:
# SFT from the base with the warm-up sentences mixed in 1:1, then the same GRPO), scored in two parts (the GO
# benchmarks and the pathway benchmarks, one thread each) whose concatenation is the row; the pathway part was
# stopped after its first batch of 32 sets (it holds the 22 of the 64)
gener1 annotate sample_stages/GO_{BP,MF,CC}.tsv -o ann_stages20/merged-grounded-GO --model $M/align-merged "${COMMON[@]}"
gener1 annotate sample_stages/{NeST,MSigDB}.tsv -o ann_stages20/merged-grounded-pathways --model $M/align-merged "${COMMON[@]}"
mkdir -p ann_stages20/merged-grounded
cat ann_stages20/merged-grounded-{GO,pathways}/annotations.jsonl > ann_stages20/merged-grounded/annotations.jsonl

# Later the same day the stopped rows (+ SFT, online DPO, exact reward, merged, warm-up, base) were resumed to all
# 100 sets with the same commands plus `--batch-size 8` (a stop then loses at most 8 sets), under the new default
# --stop-repeats (it never changes a name). For the merged row that meant the pathway part, then the `cat` again.

# Evidence order: the shipped adapter on the 40 pathway sets with the library holding the smallest p-value listed first
gener1 annotate sample_stages/{NeST,MSigDB}.tsv -o ann_order/significance-pathways --evidence-order significance \
  "${COMMON[@]/32/8}"

# Branch-evidence protocol (EVIDENCE=branch, the script's default): a GO set reads its own branch only
for b in GO_BP GO_MF GO_CC; do
  gener1 annotate sample_stages/$b.tsv -o ann_branch/gener1-grounded-$b --library $b "${COMMON[@]}"
done
mkdir -p ann_branch/gener1-grounded   # NeST and MSigDB read the default libraries in both protocols
(cat ann_branch/gener1-grounded-GO_{BP,MF,CC}/annotations.jsonl
 grep -E '"source": "sample_stages/(NeST|MSigDB).tsv"' ann_stages20/gener1-grounded/annotations.jsonl) > ann_branch/gener1-grounded/annotations.jsonl

# The other 100 sets of the 200-set sample (sample_rest = sample minus sample_stages), for the 200-set table
mkdir -p sample_rest
for b in GO_BP GO_MF GO_CC NeST MSigDB; do
  awk -F'\t' 'NR==FNR{if(FNR>1)seen[$1]=1;next} FNR==1||!($1 in seen)' sample_stages/$b.tsv sample/$b.tsv > sample_rest/$b.tsv
done
R=("${COMMON[@]/32/8}")
for b in GO_BP GO_MF GO_CC; do gener1 annotate sample_rest/$b.tsv -o ann_rest/gener1-grounded-$b --library $b "${R[@]}"; done
gener1 annotate sample_rest/{NeST,MSigDB}.tsv -o ann_rest/gener1-grounded-pathways "${R[@]}"
gener1 annotate sample_rest/*.tsv -o ann_rest/gener1-model-only "${R[@]/grounded/model-only}"
mkdir -p ann200/branch ann200/model-only
cat ann_branch/gener1-grounded/annotations.jsonl ann_rest/gener1-grounded-{GO_BP,GO_MF,GO_CC,pathways}/annotations.jsonl \
  > ann200/branch/annotations.jsonl
cat ann_stages20/gener1-model-only/annotations.jsonl ann_rest/gener1-model-only/annotations.jsonl > ann200/model-only/annotations.jsonl

# Balanced reasoning corpus (scripts/gener1-train-ablations trains runs/default-model/balanced/{reason,align}): its SFT
# adapter (compare with + SFT; its GRPO stage was not run in the time left), grounded with all evidence, on the
# same 100 sets, at 2 threads alone
gener1 annotate "${S[@]}" -o ann_stages20/balanced-sft-grounded --model $M/balanced/reason "${COMMON[@]/32/8}" --threads 2

# Scores. stage100: the shipped adapter's protocols and the baselines on all 100 sets. ablations100: every stage
# and ablation row on all 100 sets (they were first scored on the 64 smallest, when some rows were still partial).
G=(); for s in "${S[@]}"; do G+=(-g "$s"); done
B=(-p enrich-top1=baselines/enrich-top1.tsv -p nearest=baselines/nearest.tsv)
gener1 evaluate "${B[@]}" -p "gener1 grounded, branch evidence=ann_branch/gener1-grounded/annotations.jsonl" \
  -p "gener1 grounded, all evidence=ann_stages20/gener1-grounded/annotations.jsonl" \
  -p "gener1 model-only=ann_stages20/gener1-model-only/annotations.jsonl" \
  -p "base model-only=ann_stages20/base-model-only/annotations.jsonl" "${G[@]}" --shared-only -o stage100
gener1 evaluate "${B[@]}" -p "base grounded=ann_stages20/base-grounded/annotations.jsonl" \
  -p "warm-up only=ann_stages20/warm-up-grounded/annotations.jsonl" \
  -p "+ SFT=ann_stages20/sft-grounded/annotations.jsonl" \
  -p "+ GRPO (shipped)=ann_stages20/gener1-grounded/annotations.jsonl" \
  -p "online DPO instead of GRPO=ann_stages20/online-dpo-grounded/annotations.jsonl" \
  -p "exact-match reward=ann_stages20/exact-reward-grounded/annotations.jsonl" \
  -p "merged instead of cascade=ann_stages20/merged-grounded/annotations.jsonl" \
  -p "+ SFT on a balanced corpus=ann_stages20/balanced-sft-grounded/annotations.jsonl" "${G[@]}" --shared-only -o ablations100
# evidence_order40: fixed (the shipped default) vs significance order on the 40 pathway sets
gener1 evaluate -p "fixed (shipped default)=ann_stages20/gener1-grounded/annotations.jsonl" \
  -p "significance=ann_order/significance-pathways/annotations.jsonl" \
  -g sample_stages/NeST.tsv -g sample_stages/MSigDB.tsv --shared-only -o evidence_order40
# sample200: the shipped adapter and the baselines on the whole 200-set sample (40 seeded sets per benchmark)
G200=(); for b in GO_BP GO_MF GO_CC NeST MSigDB; do G200+=(-g sample/$b.tsv); done
gener1 evaluate "${B[@]}" -p "gener1 grounded, branch evidence=ann200/branch/annotations.jsonl" \
  -p "gener1 model-only=ann200/model-only/annotations.jsonl" "${G200[@]}" --shared-only -o sample200

# full_ood: NeST and MSigDB on all their sets (50 + 56), grounded. The 26 sets outside the 200-set sample
# (full_rest = full minus sample) annotated with the sample's settings, then joined to the sample's 80 rows.
mkdir -p full_rest ann_full/grounded-ood
for b in NeST MSigDB; do
  awk -F'\t' 'NR==FNR{if(FNR>1)seen[$1]=1;next} FNR==1||!($1 in seen)' sample/$b.tsv full/$b.tsv > full_rest/$b.tsv
done
gener1 annotate full_rest/NeST.tsv full_rest/MSigDB.tsv -o ann_full/grounded-pathways-rest "${R[@]}"
(grep -E '"source": "(sample_stages|sample_rest|sample)/(NeST|MSigDB).tsv"' ann200/branch/annotations.jsonl
 cat ann_full/grounded-pathways-rest/annotations.jsonl) > ann_full/grounded-ood/annotations.jsonl
gener1 evaluate "${B[@]}" -p "gener1 grounded=ann_full/grounded-ood/annotations.jsonl" -g full/NeST.tsv -g full/MSigDB.tsv -o full_ood

# Model-only on all 1,614 sets (started 2026-12-01, not finished in that session; `--resume` continues it): the
# GO:BP file dealt into two halves so that two 1-thread processes share the 2 cores (annotate --workers did not
# exist yet when it started; `--workers 2` does the same split in one command).
mkdir -p full_odd full_even
awk 'NR==1 || NR%2==0' full/GO_BP.tsv > full_odd/GO_BP.tsv
awk 'NR==1 || (NR>1 && NR%2==1)' full/GO_BP.tsv > full_even/GO_BP.tsv
MO=("${R[@]/grounded/model-only}")
gener1 annotate full_odd/GO_BP.tsv full/GO_MF.tsv -o ann_full/model-only-a "${MO[@]}" &
gener1 annotate full_even/GO_BP.tsv full/GO_CC.tsv full/NeST.tsv full/MSigDB.tsv -o ann_full/model-only-b "${MO[@]}" &
wait
# Finished in the next session (2026-12-02) by rerunning the same two commands (--resume), then scored on all 1,614 sets
# (v3/full1614/, per_set.tsv without the baselines' `extra` rows):
mkdir -p ann_full/model-only
cat ann_full/model-only-{a,b}/annotations.jsonl > ann_full/model-only/annotations.jsonl
gener1 evaluate "${B[@]}" -p "gener1 model-only=ann_full/model-only/annotations.jsonl" \
  -g full/GO_BP.tsv -g full/GO_MF.tsv -g full/GO_CC.tsv -g full/NeST.tsv -g full/MSigDB.tsv -o full1614
# What benchmarks/default_model/v3/ keeps of a run (keep_run; here full_ood/ and full1614/): table.md, summary.json,
# and, where docs/results.md cites paired numbers, per_set.tsv cut to the columns paired_stats.py and compare_names.py
# read, without the `extra` rows (the baselines' files cover all 1,614 sets, so every other benchmark's rows are
# `extra` there). Everything else of a run stays in runs/ (git-ignored). stage100/, ablations100/ and sample200/ were
# cut the same way (2026-12-04); evidence_order40/ and full1614_base/ keep no per_set.tsv (nothing paired is cited).
keep_run() {
  mkdir -p "../../benchmarks/default_model/v3/$1" && cp "$1/table.md" "$1/summary.json" "../../benchmarks/default_model/v3/$1/"
  awk -F'\t' -v OFS='\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i}
    NR == 1 || $c["status"] != "extra" {print $c["method"], $c["dataset"], $c["id"], $c["status"], $c["gold_name"], $c["predicted_name"], $c["rougeL"]}' \
    "$1/per_set.tsv" > "../../benchmarks/default_model/v3/$1/per_set.tsv"
}
for run in full_ood full1614; do keep_run $run; done

# Grounded names on all 1,508 GO sets (started 2026-12-02), branch evidence, with `annotate --name-only`: each row
# stops at the end of its Process line, so the name is the one the full answer starts with (greedy); no reasoning is
# written for these rows. GO:BP finished in 1 h 48 min with two 1-thread workers (the 62 sets of 200+ genes took about
# half of it); GO:MF and GO:CC were started after it and had not finished when the session ended (`--resume` goes on).
for b in GO_BP GO_MF GO_CC; do
  gener1 annotate full/$b.tsv -o ann_full/grounded-names-$b --library $b --name-only --workers 2 "${R[@]}"
done
python ../../benchmarks/default_model/v3/compare_names.py   # name-only names against the full answers of the sample's GO sets
gener1 evaluate "${B[@]}" -p "gener1 grounded, branch evidence (name only)=ann_full/grounded-names-GO_BP/annotations.jsonl" \
  -p "gener1 model-only=ann_full/model-only/annotations.jsonl" -g full/GO_BP.tsv -o full_GO_BP
keep_run full_GO_BP
# Next session (2026-12-02, on a fresh machine: runs/ was gone, so full/ and baselines/ were made again with the
# commands above, and the GO:MF/GO:CC rows written before were lost): GO:MF as names only, branch evidence, 51 min with
# two 1-thread workers (its 20 sets of 196+ genes took 35 of them). The nearest baseline had not been rebuilt, so
# v3/full_GO_MF/ is scored against enrich-top1 (nearest on all GO:MF sets is in v3/full1614/).
gener1 annotate full/GO_MF.tsv -o ann_full/grounded-names-GO_MF --library GO_MF --name-only --workers 2 "${R[@]}"
python ../../benchmarks/default_model/v3/compare_names.py   # against the committed full answers of sample200
gener1 evaluate -p enrich-top1=baselines/enrich-top1_GO_MF.tsv \
  -p "gener1 grounded, branch evidence (name only)=ann_full/grounded-names-GO_MF/annotations.jsonl" -g full/GO_MF.tsv -o full_GO_MF
keep_run full_GO_MF
python ../../benchmarks/default_model/v3/paired_stats.py full_GO_MF "gener1 grounded, branch evidence (name only)"

# Next session (2026-12-03, a fresh machine again: full/ and both baselines made again with the commands above, the
# nearest one taking seconds): GO:CC as names only, branch evidence, 21 min with two 1-thread workers, all 168 ok.
gener1 annotate full/GO_CC.tsv -o ann_full/grounded-names-GO_CC --library GO_CC --name-only --workers 2 "${R[@]}"
python ../../benchmarks/default_model/v3/compare_names.py   # GO_CC: 38/40 names identical to the sample's full answers
gener1 evaluate -p enrich-top1=baselines/enrich-top1_GO_CC.tsv -p nearest=baselines/nearest_GO_CC.tsv \
  -p "gener1 grounded, branch evidence (name only)=ann_full/grounded-names-GO_CC/annotations.jsonl" -g full/GO_CC.tsv -o full_GO_CC
keep_run full_GO_CC
python ../../benchmarks/default_model/v3/paired_stats.py full_GO_CC "gener1 grounded, branch evidence (name only)"
python ../../benchmarks/default_model/v3/paired_stats.py full_GO_CC "gener1 grounded, branch evidence (name only)" nearest
# The untrained base model, model-only, on all 1,614 sets, as on the stage subset (one free 64-token attempt, no
# retries, no forced opening): 46 min with two 1-thread workers, 1,614 of 1,614 format_error
gener1 annotate full/{GO_BP,GO_MF,GO_CC,NeST,MSigDB}.tsv -o ann_full/base-model-only --model smollm2-135m-instruct \
  --mode model-only --hold-out-own-term --batch-size 32 --max-new-tokens 64 --threads 1 --resume --no-report \
  --retries 0 --no-force-format --workers 2
gener1 evaluate -p "base model-only=ann_full/base-model-only/annotations.jsonl" \
  -g full/GO_BP.tsv -g full/GO_MF.tsv -g full/GO_CC.tsv -g full/NeST.tsv -g full/MSigDB.tsv -o full1614_base
keep_run full1614_base && rm ../../benchmarks/default_model/v3/full1614_base/per_set.tsv   # nothing paired is cited
# The all-sets table of docs/results.md, from the kept summaries of full1614, full1614_base, full_GO_BP, full_GO_MF, full_GO_CC
# and full_ood
python ../../benchmarks/default_model/v3/all_sets_table.py
