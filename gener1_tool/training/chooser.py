"""Train the chooser (``model.chooser``) and its confidence calibrator (``model.confidence``) on the reward-labelled
candidates corpus (``corpora.candidates``).

Protocol (all choices made without the validation and test splits, which the corpus splits by term name):
1. The corpus' train split is cut again by hashed gold name into train_fit and train_dev (``dev_fraction``).
2. For each (epochs, tau) of the grid, the listwise network (``architecture``, an ensemble of ``members`` seeds) is
   trained on train_fit (softmax over each list's scores against softmax(target / tau), target = ROUGE-L or the
   summed reward of each candidate); the switch margin ``delta`` (keep top-1 unless the best score beats it by
   delta) is picked with it by train_dev mean ROUGE-L.
3. The chosen configuration is refit on the whole train split.
4. The confidence: a logistic regression of "the chosen name is correct" (ROUGE-L ≥ ``correct_rouge_l``) on the
   choice's features, fitted on train_dev choices (by the selected train_fit model, which never saw them), then an
   isotonic map of its scores fitted on the validation split's choices by the final chooser. Contaminated copies
   in the corpus (``gener1 corpus candidates --contaminate``) join both fits, never the chooser's: a half-random
   copy is labelled like any set (its pick against the original gold), a wholly random one is never correct (its
   right answer is "unrelated", whatever a candidate's words share with the original's name). Options:
   ``learn_from_copies`` lets the chooser fit on train-split copies of some levels too, and ``corpus_weights``
   counts a small corpus (e.g. sets people named) several times in the fit and the development score (section 17
   of docs/results.md measured both).
5. Reported: validation and test mean ROUGE-L of the choice vs top-1 (paired t-test), best-of-k, the share of
   sets where top-1 is kept; the confidence's AUROC and expected calibration error on the test split.
Everything goes to ``output_dir``: chooser.json, chooser.safetensors, confidence.json, chooser_report.json.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..datasets.contamination import split_id
from ..enrichment.candidates import CandidateList
from ..errors import Gener1Error
from ..io import iter_jsonl, refuse_overwriting_inputs, write_json
from ..knowledge.store import normalise_term_name
from ..model.chooser import ARCHITECTURES, CHOOSER_VERSION, FEATURES, Chooser, ListInputs, choice_from_scores, network_input
from ..model.confidence import CONFIDENCE_FEATURES, CONFIDENCE_VERSION, Calibrator, confidence_features

TARGETS = ("rouge_l", "reward")


@dataclass
class ChooserConfig:
    corpus: str | list[str]  # one candidates corpus or several (e.g. own-branch and all-library candidates)
    output_dir: str
    target: str = "rouge_l"  # what the listwise loss aims at: the evaluation's ROUGE-L, or the summed reward
    epochs: tuple[int, ...] = (3, 8)
    taus: tuple[float, ...] = (0.05, 0.2)
    deltas: tuple[float, ...] = (0.0, 0.5, 1.0)
    # "attention" with 5 members chooses better in distribution but worse out of it (docs/results.md, section 16)
    architecture: str = "mlp"
    members: int = 1  # networks from seeds seed, seed+1, ... whose scores are averaged
    hidden: int = 128
    learning_rate: float = 1e-3
    batch_sets: int = 32
    dev_fraction: float = 0.15
    correct_rouge_l: float = 0.5  # evaluation.metrics.CORRECT_ROUGE_L
    encoder: str = "minilm"
    # Contamination levels whose copies the chooser also learns from (train split only; e.g. (50,) for half-random
    # copies of each set, labelled against the original gold): noisy sets like users' modules. () = real sets only.
    learn_from_copies: tuple[int, ...] = ()
    # Corpus file name -> how many times its training sets count (fit and development score): a few hundred sets
    # that people named (`gener1 corpus named-sets`) among tens of thousands of KB terms (docs/results.md, section 17).
    corpus_weights: dict[str, int] | None = None
    seed: int = 0
    threads: int | None = None


@dataclass
class _Data:
    lists: list[CandidateList]
    target: list[np.ndarray]
    rouge: list[np.ndarray]
    group: np.ndarray  # train_fit / train_dev / validation / test / other
    source: np.ndarray  # the corpus file each list came from (its name)
    contamination: np.ndarray  # the share of random genes (0: a real set)


def _corpus_weights(config: ChooserConfig, data: _Data) -> np.ndarray:
    """Each set's weight (``config.corpus_weights`` by corpus file name; 1 by default)."""
    given = dict(config.corpus_weights or {})
    names = {Path(c).name for c in _corpus_paths(config.corpus)}
    unknown = sorted(set(given) - names)
    if unknown:
        raise Gener1Error(f"weights for {', '.join(unknown)}, which is not a corpus of this run "
                          f"({', '.join(sorted(names))})")
    if any(not isinstance(w, int) or w < 1 for w in given.values()):
        raise Gener1Error(f"corpus weights are whole numbers of at least 1, got {given}")
    return np.array([given.get(src, 1) for src in data.source], dtype=int)


def _corpus_paths(corpus) -> list[str]:
    return [str(corpus)] if isinstance(corpus, (str, Path)) else [str(c) for c in corpus]


def read_corpus(corpus, target: str, dev_fraction: float, seed: int, learn_from_copies: tuple[int, ...] = ()) -> _Data:
    if target not in TARGETS:
        raise Gener1Error(f"unknown chooser target {target!r}; expected one of {', '.join(TARGETS)}")
    lists, tgt, rouge, group, source, level = [], [], [], [], [], []
    rows = ((path, lineno, row) for path in _corpus_paths(corpus) for lineno, row in iter_jsonl(path))
    for path, lineno, row in rows:
        try:
            cl = CandidateList.from_dict(row["list"])
            rl = np.asarray(row["terms"]["rouge_l"], dtype=np.float64)
            t = rl if target == "rouge_l" else np.asarray(row["reward"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise Gener1Error(f"not a candidates-corpus row ({exc}); build one with `gener1 corpus candidates`",
                              path=path, line=lineno) from None
        if len(rl) != len(cl) or len(t) != len(cl):
            raise Gener1Error(f"{len(cl)} candidates but {len(rl)} labels", path=path, line=lineno)
        if len(cl) == 0:
            continue
        split = row.get("split")
        if split == "train":
            h = hashlib.sha256(f"{seed}:dev:{normalise_term_name(row.get('gold_name') or '')}".encode()).hexdigest()
            split = "train_dev" if int(h[:8], 16) / 16 ** 8 < dev_fraction else "train_fit"
        contamination = int(row.get("contamination") or 0)
        if contamination and split == "train_fit" and contamination not in learn_from_copies:
            continue  # copies serve the calibrator, which never fits on train_fit, unless the chooser learns from them
        lists.append(cl)
        tgt.append(t)
        rouge.append(rl)
        group.append(split if split in ("train_fit", "train_dev", "validation", "test") else "other")
        source.append(Path(path).name)
        level.append(contamination)
    if not lists:
        raise Gener1Error("no set with candidates in the corpus", path=_corpus_paths(corpus)[0])
    return _Data(lists, tgt, rouge, np.array(group), np.array(source), np.array(level, dtype=int))


class _Batches:
    """Lists padded to one length, for fast listwise training: inputs (n, L, D), mask (n, L), targets (n, L)."""

    def __init__(self, raw, targets, mean, std):
        import torch

        L = max(len(X) for X, _ in raw)
        D = network_input(raw[0][0], raw[0][1], mean, std).shape[1]
        self.x = torch.zeros(len(raw), L, D)
        self.mask = torch.zeros(len(raw), L, dtype=torch.bool)
        self.y = torch.zeros(len(raw), L)
        for i, ((X, E), t) in enumerate(zip(raw, targets)):
            m = len(X)
            self.x[i, :m] = network_input(X, E, mean, std)
            self.mask[i, :m] = True
            self.y[i, :m] = torch.tensor(t, dtype=torch.float32)


def _fit(batches: _Batches, idx: np.ndarray, *, epochs: int, tau: float, hidden: int, lr: float, batch_sets: int,
         seed: int, architecture: str = "mlp", members: int = 1, tick: Callable[[], None] | None = None):
    """An ensemble of ``members`` networks, member m trained alone from seed ``seed + m`` (its own init and order)."""
    import torch

    from ..model.chooser_net import Ensemble, ListScorer  # deferred: torch loads only when a chooser is trained

    neg = torch.finfo(torch.float32).min
    nets = []
    for m in range(members):
        torch.manual_seed(seed + m)
        net = ListScorer(batches.x.shape[2], hidden, architecture)
        nets.append(net)
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
        rng = np.random.default_rng(seed + m)
        for _ in range(epochs):
            net.train()
            for b in np.array_split(rng.permutation(idx), max(1, len(idx) // batch_sets)):
                b = torch.as_tensor(b)
                x, mask, y = batches.x[b], batches.mask[b], batches.y[b]
                s = net(x, mask).masked_fill(~mask, neg)
                goal = torch.softmax((y / tau).masked_fill(~mask, neg), -1)
                loss = -(goal * torch.log_softmax(s, -1)).masked_fill(~mask, 0.0).sum(-1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            if tick:
                tick()
    return Ensemble(nets).eval()


def _scores(net, batches: _Batches, idx) -> dict[int, np.ndarray]:
    import torch

    out = {}
    with torch.no_grad():
        for start in range(0, len(idx), 512):
            b = np.asarray(idx[start:start + 512])
            t = torch.as_tensor(b)
            s = net(batches.x[t], batches.mask[t]).numpy()
            for row, i in enumerate(b):
                out[int(i)] = s[row, : int(batches.mask[i].sum())].astype(np.float64)
    return out


def _picked_rouge(data: _Data, scores: dict[int, np.ndarray], delta: float) -> np.ndarray:
    return np.array([data.rouge[i][choice_from_scores(s, delta).index] for i, s in scores.items()])


def choice_summary(chosen: np.ndarray, top1: np.ndarray, best: np.ndarray, kept_top1: np.ndarray) -> dict:
    """Mean ROUGE-L of a choice vs top-1 on paired sets (paired t-test), with best-of-k and how often top-1 stays."""
    from scipy import stats

    differ = np.any(chosen != top1)
    return {"sets": int(len(chosen)), "rouge_l": round(float(chosen.mean()), 4), "top1": round(float(top1.mean()), 4),
            "best_of_k": round(float(best.mean()), 4), "p_vs_top1": float(stats.ttest_rel(chosen, top1).pvalue) if differ else 1.0,
            "kept_top1": round(float(kept_top1.mean()), 4), "better_than_top1": round(float(np.mean(chosen > top1)), 4),
            "worse_than_top1": round(float(np.mean(chosen < top1)), 4)}


def _copies_report(data: _Data, real_idx, real_conf, copy_idx, copy_conf) -> dict:
    """Per contamination level of the test copies: how many, the median confidence, the share at ≤ 0.1, and the share
    less confident than their real twin (matched by corpus file and original id)."""
    twin = {(data.source[i], data.lists[i].set_id): c for i, c in zip(real_idx, real_conf)}
    out = {}
    for level in sorted(set(data.contamination[copy_idx])):
        at = data.contamination[copy_idx] == level
        conf = copy_conf[at]
        pairs = [(c, twin.get((data.source[i], split_id(data.lists[i].set_id)[0])))
                 for i, c in zip(copy_idx[at], conf)]
        below = [c < t for c, t in pairs if t is not None]
        out[str(level)] = {"sets": int(at.sum()), "median_confidence": round(float(np.median(conf)), 2),
                           "at_most_0.1": round(float(np.mean(conf <= 0.1)), 4),
                           "below_real_twin": round(float(np.mean(below)), 4) if below else None}
    return out


def auroc_ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[float | None, float]:
    from sklearn.metrics import roc_auc_score

    auroc = float(roc_auc_score(correct, confidence)) if 0 < correct.sum() < len(correct) else None
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(abs(confidence[which == b].mean() - correct[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return auroc, float(ece)


def train_chooser(config: ChooserConfig, *, progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Train, save and report; ``progress(stage, done, total)`` follows the work."""
    import torch
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if config.architecture not in ARCHITECTURES:
        raise Gener1Error(f"unknown chooser architecture {config.architecture!r}; expected one of "
                          f"{', '.join(ARCHITECTURES)}")
    if config.members < 1:
        raise Gener1Error(f"an ensemble needs at least one member, not {config.members}")
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(config.output_dir)
    refuse_overwriting_inputs([out / name for name in ("chooser.json", "chooser.safetensors", "confidence.json", "chooser_report.json")], _corpus_paths(config.corpus))
    t0 = time.time()
    data = read_corpus(config.corpus, config.target, config.dev_fraction, config.seed, tuple(config.learn_from_copies))
    G, real = data.group, data.contamination == 0
    learned = real | np.isin(data.contamination, list(config.learn_from_copies))
    fit_idx, dev_idx = np.where((G == "train_fit") & learned)[0], np.where((G == "train_dev") & real)[0]
    train_idx = np.where(np.isin(G, ["train_fit", "train_dev"]) & learned)[0]
    val_idx, test_idx = np.where((G == "validation") & real)[0], np.where((G == "test") & real)[0]
    # Contaminated copies outside train_fit: for the confidence only.
    dev_copies, val_copies, test_copies = (np.where((G == g) & ~real)[0] for g in ("train_dev", "validation", "test"))
    for name, idx in (("train", fit_idx), ("train (development part)", dev_idx), ("validation", val_idx)):
        if len(idx) == 0:
            raise Gener1Error(f"the corpus has no {name} sets with candidates", path=_corpus_paths(config.corpus)[0])
    weights = _corpus_weights(config, data)
    fit_idx, train_idx = np.repeat(fit_idx, weights[fit_idx]), np.repeat(train_idx, weights[train_idx])
    inputs = ListInputs(config.encoder)
    if progress:
        progress("features", 0, len(data.lists))
    raw = inputs.raw(data.lists)
    if progress:
        progress("features", len(data.lists), len(data.lists))
    X_fit = np.concatenate([raw[i][0] for i in fit_idx])
    mean, std = X_fit.mean(0), X_fit.std(0) + 1e-6
    batches = _Batches(raw, data.target, mean, std)
    grid = [(e, tau) for e in config.epochs for tau in config.taus]
    total_epochs = (sum(e for e, _ in grid) + max(config.epochs)) * config.members
    done = [0]

    def tick():
        done[0] += 1
        if progress:
            progress("training", done[0], total_epochs)

    search, best, best_dev_scores = [], None, None
    for epochs, tau in grid:
        net = _fit(batches, fit_idx, epochs=epochs, tau=tau, hidden=config.hidden, lr=config.learning_rate,
                   batch_sets=config.batch_sets, seed=config.seed, architecture=config.architecture,
                   members=config.members, tick=tick)
        s = _scores(net, batches, np.concatenate([dev_idx, dev_copies]))
        for delta in config.deltas:
            dev = float(np.average(_picked_rouge(data, {i: s[i] for i in dev_idx}, delta), weights=weights[dev_idx]))
            search.append({"epochs": epochs, "tau": tau, "delta": delta, "train_dev_rouge_l": round(dev, 4)})
            if best is None or dev > best["train_dev_rouge_l"]:
                best, best_dev_scores = search[-1], s
    total_epochs = done[0] + best["epochs"] * config.members  # the refit's real length
    net = _fit(batches, train_idx, epochs=best["epochs"], tau=best["tau"], hidden=config.hidden,
               lr=config.learning_rate, batch_sets=config.batch_sets, seed=config.seed,
               architecture=config.architecture, members=config.members, tick=tick)
    delta = best["delta"]

    def picks_of(scores):
        return {i: choice_from_scores(v, delta, raw[i][0]) for i, v in scores.items()}

    def evaluate(idx):
        picks = picks_of(_scores(net, batches, idx))
        chosen = np.array([data.rouge[i][picks[i].index] for i in idx])
        top1 = np.array([data.rouge[i][0] for i in idx])
        best_k = np.array([data.rouge[i].max() for i in idx])
        kept = np.array([picks[i].index == 0 for i in idx])
        summary = choice_summary(chosen, top1, best_k, kept)
        sources = data.source[idx]
        if len(set(sources)) > 1:
            summary["by_corpus"] = {src: choice_summary(chosen[sources == src], top1[sources == src],
                                                        best_k[sources == src], kept[sources == src])
                                    for src in sorted(set(sources))}
        return picks, summary

    val_picks, val_summary = evaluate(val_idx)
    test_picks, test_summary = evaluate(test_idx) if len(test_idx) else ({}, None)
    val_picks.update(picks_of(_scores(net, batches, val_copies)))
    test_picks.update(picks_of(_scores(net, batches, test_copies)))

    # The confidence: a logistic regression on choices the chooser did not train on (train_dev, scored by the
    # selected train_fit model), then an isotonic map on the validation split's choices by the final chooser.
    def conf_xy(idx, picks):
        F = np.stack([confidence_features(data.lists[i], picks[i]) for i in idx])
        y = np.array([data.contamination[i] < 100 and data.rouge[i][picks[i].index] >= config.correct_rouge_l
                      for i in idx], dtype=int)
        return F, y

    Fd, yd = conf_xy(np.concatenate([dev_idx, dev_copies]), picks_of(best_dev_scores))
    Fv, yv = conf_xy(np.concatenate([val_idx, val_copies]), val_picks)
    for split, y in (("train (development part)", yd), ("validation", yv)):
        if len(set(y)) < 2:
            raise Gener1Error(f"the {split} split's choices are all correct or all wrong: no confidence can be fitted",
                              path=_corpus_paths(config.corpus)[0])
    cmean, cstd = Fd.mean(0), Fd.std(0) + 1e-9
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((Fd - cmean) / cstd, yd)
    sv = lr.decision_function((Fv - cmean) / cstd)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(sv, yv)
    calibrator = Calibrator({"version": CONFIDENCE_VERSION, "features": list(CONFIDENCE_FEATURES),
                             "mean": cmean.tolist(), "std": cstd.tolist(), "coef": lr.coef_[0].tolist(),
                             "intercept": float(lr.intercept_[0]), "isotonic_x": iso.X_thresholds_.tolist(),
                             "isotonic_y": iso.y_thresholds_.tolist(), "correct_rouge_l": config.correct_rouge_l,
                             "fitted_on": "logistic: train split (development part) choices; isotonic: validation "
                                          "split choices" + (f"; with {len(dev_copies)} and {len(val_copies)} "
                                                             "contaminated copies" if len(val_copies) else "")})
    conf_report = None
    if len(test_idx):
        Ft, yt = conf_xy(test_idx, test_picks)
        ct = np.round(calibrator.probability(Ft), 2)
        auroc, ece = auroc_ece(ct, yt)
        conf_report = {"split": "test", "sets": int(len(yt)), "correct_share": round(float(yt.mean()), 4),
                       "auroc": None if auroc is None else round(auroc, 4), "ece": round(ece, 4),
                       "distinct_values": int(len(np.unique(ct)))}
        if len(test_copies):
            conf_report["contaminated"] = _copies_report(data, test_idx, ct, test_copies,
                                                         np.round(calibrator.probability(conf_xy(test_copies, test_picks)[0]), 2))
    meta = {"version": CHOOSER_VERSION, "encoder": config.encoder, "features": list(FEATURES),
            "in_dim": int(batches.x.shape[2]), "hidden": config.hidden, "architecture": config.architecture,
            "members": config.members, "mean": mean.tolist(), "std": std.tolist(),
            "delta": delta, "epochs": best["epochs"], "tau": best["tau"], "target": config.target,
            "trained_on": {"corpus": [Path(c).name for c in _corpus_paths(config.corpus)], "train_sets": int(len(np.unique(train_idx))),
                           **({"weights": dict(config.corpus_weights)} if config.corpus_weights else {})},
            "validation": val_summary, "test": test_summary}
    chooser = Chooser(meta, net)
    out.mkdir(parents=True, exist_ok=True)
    chooser.save(out)
    calibrator.save(out)
    report = {"config": asdict(config), "groups": {g: int(((G == g) & real).sum()) for g in np.unique(G)},
              "contaminated_copies": {g: int(((G == g) & ~real).sum()) for g in np.unique(G[~real])}, "search": search,
              "chosen": best, "validation": val_summary, "test": test_summary, "confidence": conf_report,
              "seconds": round(time.time() - t0, 1)}
    write_json(out / "chooser_report.json", report)
    return report
