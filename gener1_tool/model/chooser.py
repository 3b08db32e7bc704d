"""The chooser: a small listwise ranker, trained with the reward, that picks a set's name among its candidates.

Why a ranker beside the language model: a perfect choice among the top-10 enriched terms beats every published
system, but SmolLM2-135M neither chooses zero-shot (its log-probabilities pick worse than top-1) nor was taught to
(it copies the top term); a listwise network over frozen MiniLM name embeddings and list features, trained on
reward-labelled candidates (``corpora.candidates``), beats top-1 in distribution (docs/results.md). It costs
a few ms per set, so the language model's time goes to the reasoning.

Input per candidate (``FEATURES`` then three embedding blocks): statistics (rank, p, FDR, overlap, sizes,
Jaccard), name shape and keywords, lexical consensus with the other candidates (ROUGE-L of stemmed words), GO
structure within the list (ancestors / descendants present), MiniLM cosine to top-1 and to the others; then the
candidate's MiniLM embedding, its product with the list's mean embedding, and that mean. The network
(``model.chooser_net``: an MLP or one self-attention layer over the list, averaged over an ensemble of seeds) scores
each candidate; a softmax over the list gives choice probabilities. The choice keeps top-1 unless the best score beats
it by ``delta`` (chosen on a development split at training time).

Files in a model directory: ``chooser.json`` (features, normalisation, hyper-parameters, how it was trained and
what it scored) and ``chooser.safetensors`` (the network). ``training.chooser`` writes them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..enrichment.candidates import CandidateList
from ..errors import Gener1Error
from ..io import write_json
from ..knowledge.store import normalise_term_name
from ..similarity.encoders import get_encoder

CHOOSER_FILE, CHOOSER_WEIGHTS = "chooser.json", "chooser.safetensors"
ARCHITECTURES = ("mlp", "attention")  # model.chooser_net
CHOOSER_VERSION = 2  # 2: an architecture and ensemble members (model.chooser_net)
READABLE_VERSIONS = (1, 2)

KEYWORDS = ("regulation", "positive", "negative", "process", "activity", "complex", "pathway", "response", "cellular",
            "involved", "via", "signaling", "metabolic", "biosynthetic", "catabolic", "development", "binding",
            "transport", "cell", "of", "to", "protein", "establishment", "maintenance", "organization", "assembly",
            "differentiation")
FEATURES = ("rank", "inv_rank", "is_top1", "logp", "logp_gap", "logfdr", "overlap", "term_size", "log_term_size",
            "k_over_K", "k_over_n", "jaccard", "log_n", "n_cands", "n_words", "n_chars", "words_minus_top1",
            "logK_minus_top1", "rl_mean_others", "rl_wmean_others", "rl_max_others", "rl_top1", "tokcover_others",
            "n_contains_me", "n_i_contain", "n_anc_in", "n_desc_in", "top1_is_anc", "top1_is_desc", "cos_top1",
            "cos_mean_others", "cos_wmean_others", "cos_max_others", "rank_by_rl_centrality", "rank_by_cos_centrality",
            "lib_GO_BP", "lib_GO_MF", "lib_GO_CC", "lib_path") + tuple("kw_" + k for k in KEYWORDS)


def _log10(x: float) -> float:
    return math.log10(max(float(x), 1e-300))


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def _rouge_l(a: list[str], b: list[str]) -> float:
    # The LCS F-measure of rouge-score over already-tokenised names: 45 pairs per list, where calling
    # rouge_scorer per pair would re-tokenise and re-stem each name nine times.
    n = _lcs(a, b) if a and b else 0
    if n == 0:
        return 0.0
    p, r = n / len(b), n / len(a)
    return 2 * p * r / (p + r)


class _Tokens:
    """Stemmed word tokens of names, as ROUGE-L sees them (rouge-score's tokenizer), cached."""

    def __init__(self):
        from rouge_score import tokenizers

        self.tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
        self.cache: dict[str, list[str]] = {}

    def __call__(self, name: str) -> list[str]:
        if name not in self.cache:
            self.cache[name] = self.tokenizer.tokenize(name)
        return self.cache[name]


def list_features(clist: CandidateList, emb: np.ndarray, tokens: _Tokens) -> np.ndarray:
    """The ``FEATURES`` matrix (candidates × features) of one list; ``emb`` holds the names' unit embeddings."""
    cs = clist.candidates
    m = len(cs)
    X = np.zeros((m, len(FEATURES)), np.float32)
    if m == 0:
        return X
    T = [tokens(c.name) for c in cs]
    RL = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            if i != j:
                RL[i, j] = _rouge_l(T[i], T[j])
    C = emb @ emb.T
    w = 1.0 / np.arange(1, m + 1)
    ids = [c.term_id for c in cs]
    ancs = [set(c.ancestors) for c in cs]
    n = max(clist.n_annotated, 1)
    lp = [_log10(c.pvalue) for c in cs]
    rl_cent = np.array([(RL[i].sum() / (m - 1)) if m > 1 else 0.0 for i in range(m)])
    cos_cent = np.array([((C[i].sum() - 1) / (m - 1)) if m > 1 else 0.0 for i in range(m)])
    rl_rank = (-rl_cent).argsort(kind="stable").argsort(kind="stable") + 1
    cos_rank = (-cos_cent).argsort(kind="stable").argsort(kind="stable") + 1
    norm = [normalise_term_name(c.name) for c in cs]
    for i, c in enumerate(cs):
        others = [j for j in range(m) if j != i]
        ow = w[others] / w[others].sum() if others else w[:0]
        words = norm[i].split()
        mine = set(T[i])
        other_tokens = {t for j in others for t in T[j]}
        f = dict(
            rank=i + 1, inv_rank=1 / (i + 1), is_top1=float(i == 0), logp=lp[i], logp_gap=lp[i] - lp[0],
            logfdr=_log10(c.fdr), overlap=c.overlap, term_size=c.term_size, log_term_size=math.log(max(c.term_size, 1)),
            k_over_K=c.overlap / max(c.term_size, 1), k_over_n=c.overlap / n,
            jaccard=c.overlap / max(n + c.term_size - c.overlap, 1), log_n=math.log(n), n_cands=m, n_words=len(words),
            n_chars=len(norm[i]), words_minus_top1=len(words) - len(norm[0].split()),
            logK_minus_top1=math.log(max(c.term_size, 1)) - math.log(max(cs[0].term_size, 1)),
            rl_mean_others=rl_cent[i], rl_wmean_others=float(RL[i, others] @ ow) if others else 0.0,
            rl_max_others=RL[i, others].max() if others else 0.0, rl_top1=RL[i, 0] if i else 1.0,
            tokcover_others=len(mine & other_tokens) / max(len(mine), 1),
            n_contains_me=sum(norm[i] in norm[j] for j in others), n_i_contain=sum(norm[j] in norm[i] for j in others),
            n_anc_in=sum(ids[j] in ancs[i] for j in others), n_desc_in=sum(ids[i] in ancs[j] for j in others),
            top1_is_anc=float(i > 0 and ids[0] in ancs[i]), top1_is_desc=float(i > 0 and ids[i] in ancs[0]),
            cos_top1=C[i, 0], cos_mean_others=cos_cent[i], cos_wmean_others=float(C[i, others] @ ow) if others else 0.0,
            cos_max_others=C[i, others].max() if others else 0.0, rank_by_rl_centrality=rl_rank[i],
            rank_by_cos_centrality=cos_rank[i], lib_GO_BP=float(c.library == "GO_BP"), lib_GO_MF=float(c.library == "GO_MF"),
            lib_GO_CC=float(c.library == "GO_CC"), lib_path=float(c.library not in ("GO_BP", "GO_MF", "GO_CC")))
        for k in KEYWORDS:
            f["kw_" + k] = float(k in words)
        X[i] = [f[k] for k in FEATURES]
    return X


class ListInputs:
    """Turns candidate lists into the network's input: standardised features + embedding blocks."""

    def __init__(self, encoder: str = "minilm"):
        self.encoder_name = encoder
        self.encoder = get_encoder(encoder)
        self.tokens = _Tokens()

    def raw(self, lists: Sequence[CandidateList], *, progress: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """(features, embeddings) per list; names are embedded once across all lists."""
        names = sorted({c.name for cl in lists for c in cl.candidates})
        vecs = self.encoder.encode(names, progress=progress) if names else np.zeros((0, 1), np.float32)
        index = {n: i for i, n in enumerate(names)}
        out = []
        for cl in lists:
            E = vecs[[index[c.name] for c in cl.candidates]] if cl.candidates else np.zeros((0, vecs.shape[1]), np.float32)
            out.append((list_features(cl, E, self.tokens), E))
        return out


def network_input(X: np.ndarray, E: np.ndarray, mean: np.ndarray, std: np.ndarray):
    import torch

    x = torch.tensor((X - mean) / std, dtype=torch.float32)
    e = torch.tensor(E, dtype=torch.float32)
    ctx = e.mean(0, keepdim=True).expand_as(e)
    return torch.cat([x, e, e * ctx, ctx], 1)


@dataclass
class Choice:
    index: int  # 0-based position in the list (0 = top-1)
    probability: float  # softmax of the chosen candidate's score over the list
    margin: float  # its probability minus the next best candidate's (1 when the list has one candidate)
    probabilities: list[float]
    scores: list[float]  # the network's raw scores, list order
    features: list[float] | None = None  # the chosen candidate's FEATURES row (the confidence reads it)


class Chooser:
    """A trained chooser loaded from a model directory (``Chooser.load``) or fresh from training."""

    def __init__(self, meta: dict, net):
        self.meta = meta
        self.net = net.eval()
        self.mean = np.asarray(meta["mean"], dtype=np.float32)
        self.std = np.asarray(meta["std"], dtype=np.float32)
        self.delta = float(meta.get("delta", 0.0))
        self._inputs: ListInputs | None = None

    @property
    def inputs(self) -> ListInputs:
        if self._inputs is None:
            self._inputs = ListInputs(self.meta.get("encoder", "minilm"))
        return self._inputs

    @staticmethod
    def present(model_dir: str | Path) -> bool:
        return (Path(model_dir) / CHOOSER_FILE).is_file()

    @classmethod
    def load(cls, model_dir: str | Path) -> "Chooser":
        from safetensors.torch import load_file

        from .chooser_net import build_network  # deferred: torch loads only when a chooser is loaded

        d = Path(model_dir)
        try:
            meta = json.loads((d / CHOOSER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise Gener1Error(f"cannot read the chooser: {exc}", path=d / CHOOSER_FILE) from None
        if meta.get("version") not in READABLE_VERSIONS or list(meta.get("features", [])) != list(FEATURES):
            raise Gener1Error(f"chooser version {meta.get('version')} with other features than this gener1's; "
                              f"retrain it with `gener1 train chooser`", path=d / CHOOSER_FILE)
        meta = {"architecture": "mlp", "members": 1, **meta}  # version 1 files: one MLP
        net = build_network(int(meta["in_dim"]), int(meta["hidden"]), meta["architecture"], int(meta["members"]))
        state = load_file(str(d / CHOOSER_WEIGHTS))
        if meta["version"] == 1:  # saved as the bare nn.Sequential that is now one member's scoring layers
            net.members[0].score.load_state_dict(state)
        else:
            net.load_state_dict(state)
        return cls(meta, net)

    def save(self, model_dir: str | Path) -> None:
        from safetensors.torch import save_file

        d = Path(model_dir)
        d.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in self.net.state_dict().items()}, str(d / CHOOSER_WEIGHTS))
        write_json(d / CHOOSER_FILE, self.meta)

    def scores_from_raw(self, raw: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        import torch

        out = []
        with torch.no_grad():
            for X, E in raw:
                if not len(X):
                    out.append(np.zeros(0))
                    continue
                x = network_input(X, E, self.mean, self.std)[None]
                out.append(self.net(x, torch.ones(x.shape[:2], dtype=torch.bool))[0].numpy().astype(np.float64))
        return out

    def scores(self, lists: Sequence[CandidateList]) -> list[np.ndarray]:
        return self.scores_from_raw(self.inputs.raw(lists))

    def choose(self, lists: Sequence[CandidateList]) -> list[Choice | None]:
        raw = self.inputs.raw(lists)
        return [choice_from_scores(s, self.delta, X) for s, (X, _) in zip(self.scores_from_raw(raw), raw)]


def choice_from_scores(scores: np.ndarray, delta: float = 0.0, features: np.ndarray | None = None) -> Choice | None:
    """Keep top-1 unless the best score beats it by ``delta``; None for an empty list. ``features``: the list's
    FEATURES matrix, whose chosen row the choice keeps."""
    if len(scores) == 0:
        return None
    best = int(np.argmax(scores))
    index = 0 if scores[best] - scores[0] < delta else best
    z = np.exp(scores - scores.max())
    probs = z / z.sum()
    others = np.delete(probs, index)
    margin = float(probs[index] - others.max()) if len(others) else 1.0
    return Choice(index=index, probability=float(probs[index]), margin=margin, probabilities=[float(p) for p in probs],
                  scores=[float(x) for x in scores],
                  features=None if features is None else [float(x) for x in features[index]])
