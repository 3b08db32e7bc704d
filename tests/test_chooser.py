"""The candidate list, the reward-labelled candidates corpus, the chooser and its calibrated confidence."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from gener1_tool.cli import cli
from gener1_tool.corpora.candidates import build_candidates_corpus
from gener1_tool.enrichment.candidates import Candidate, CandidateBuilder, CandidateList
from gener1_tool.enrichment.evidence import EvidenceBuilder
from gener1_tool.errors import Gener1Error
from gener1_tool.genes.geneset import GeneSet
from gener1_tool.model.chooser import FEATURES, Chooser, choice_from_scores
from gener1_tool.model.confidence import CONFIDENCE_FEATURES, Calibrator, confidence_features
from gener1_tool.training.chooser import ChooserConfig, train_chooser
from helpers import HashingEncoder


@pytest.fixture
def hashing_encoder(monkeypatch):
    enc = HashingEncoder(dim=32)
    monkeypatch.setattr("gener1_tool.model.chooser.get_encoder", lambda name: enc)
    return enc


# -- the candidate list ------------------------------------------------------------------------------------
def test_candidates_are_the_evidence_terms_in_p_order_with_the_own_term_held_out(tiny_kb):
    sets = [GeneSet(id="GO:0016558", genes=["PEX1", "PEX2", "PEX5", "PEX14"], gold_name="protein import into peroxisome matrix")]
    builder = CandidateBuilder(tiny_kb, k=5)
    free = builder.build_many(sets)[0]
    held = builder.build_many(sets, hold_out=[{"GO:0016558"}], hold_out_names=[set()])[0]
    assert free.candidates and [c.rank for c in free.candidates] == list(range(1, len(free) + 1))
    assert [c.pvalue for c in free.candidates] == sorted(c.pvalue for c in free.candidates)
    assert "GO:0016558" in [c.term_id for c in free.candidates]
    assert "GO:0016558" not in [c.term_id for c in held.candidates]
    # candidate 1 is the evidence bundle's strongest term (= enrich-top1)
    strongest = EvidenceBuilder(tiny_kb, max_fdr=1.0, min_overlap=1, top_terms=5).build(sets[0]).strongest()
    assert free.candidates[0].term_id == strongest.term_id
    assert CandidateList.from_dict(json.loads(json.dumps(free.to_dict()))) == free
    text = free.to_prompt_text([0.5] * len(free))
    assert len(text.splitlines()) == len(free) + 1 and "choice 0.50" in text


def _clist(names, fdrs=None, set_id="s"):
    fdrs = fdrs or [10 ** -(8 - i) for i in range(len(names))]
    return CandidateList(set_id=set_id, n_genes=20, n_annotated=20, candidates=[
        Candidate(rank=i + 1, term_id=f"T{i}", name=n, library="GO_BP", overlap=10 - i, term_size=50 + 10 * i,
                  pvalue=f / 10, fdr=f) for i, (n, f) in enumerate(zip(names, fdrs))])


def test_near_duplicate_terms_of_the_set_can_be_held_out_by_jaccard(tiny_kb):
    sets = [GeneSet(id="GO:0016558", genes=["PEX1", "PEX2", "PEX5", "PEX14"], gold_name="protein import into peroxisome matrix")]
    free = CandidateBuilder(tiny_kb, k=50).build_many(sets)[0]
    n = free.n_annotated
    jaccard = {c.term_id: c.overlap / (n + c.term_size - c.overlap) for c in free.candidates}
    assert max(jaccard.values()) >= 0.5 > min(jaccard.values())
    held = CandidateBuilder(tiny_kb, k=50, max_jaccard=0.5).build_many(sets)[0]
    assert [c.term_id for c in held.candidates] == [t for t, j in jaccard.items() if j < 0.5]
    assert [c.rank for c in held.candidates] == list(range(1, len(held) + 1))


def test_choice_keeps_top1_within_the_margin():
    assert choice_from_scores(np.array([1.0, 1.4, 0.0]), delta=0.5).index == 0
    c = choice_from_scores(np.array([1.0, 1.6, 0.0]), delta=0.5)
    assert c.index == 1 and c.probability == pytest.approx(np.exp(1.6) / np.exp([1.0, 1.6, 0.0]).sum())
    assert choice_from_scores(np.zeros(0)) is None
    assert choice_from_scores(np.array([2.0])).margin == 1.0


# -- the corpus ----------------------------------------------------------------------------------------------
def test_corpus_labels_every_candidate_with_the_injected_reward_and_never_offers_the_gold(tiny_kb_path, tmp_path):
    task = tmp_path / "task.jsonl"
    rows = [{"id": "GO:0016558", "genes": ["PEX1", "PEX2", "PEX5", "PEX14"], "gold_name": "protein import into peroxisome matrix",
             "library": "GO_BP", "split": "train"},
            {"id": "GO:0007031", "genes": ["PEX1", "PEX2", "PEX3", "PEX5", "PEX14", "PEX19"], "gold_name": "peroxisome organization",
             "library": "GO_BP", "split": "validation"}]
    task.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def score(names, golds):  # word overlap, and a constant second term
        return {"rouge_l": [len(set(n.split()) & set(g.split())) / max(len(g.split()), 1) for n, g in zip(names, golds)],
                "flat": [0.5] * len(names)}

    out = tmp_path / "cands.jsonl"
    summary = build_candidates_corpus(task, out, kb=tiny_kb_path, score=score, weights={"rouge_l": 1.0, "flat": 2.0})
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in got] == ["GO:0016558", "GO:0007031"]
    for r, src in zip(got, rows):
        names = [c["name"] for c in r["list"]["candidates"]]
        assert names and src["gold_name"] not in names + [e["name"] for e in r["extras"]]
        assert src["id"] not in [c["term_id"] for c in r["list"]["candidates"]] + [e.get("term_id") for e in r["extras"]]
        expect = score(names, [src["gold_name"]] * len(names))["rouge_l"]
        assert r["terms"]["rouge_l"] == pytest.approx(expect, abs=1e-4)
        assert r["reward"] == pytest.approx([v + 1.0 for v in expect], abs=1e-4)
    assert summary["sets"] == 2 and set(summary["splits"]) == {"train", "validation"}
    assert json.loads((tmp_path / "cands.jsonl.report.json").read_text())["sets"] == 2
    with pytest.raises(Gener1Error, match="overwrite the input"):
        build_candidates_corpus(task, task, kb=tiny_kb_path, score=score, weights={"rouge_l": 1.0})


def test_corpus_contaminated_copies_are_labelled_against_the_original_gold_without_extras(tiny_kb_path, tmp_path):
    task = tmp_path / "task.jsonl"
    rows = [{"id": "GO:0016558", "genes": ["PEX1", "PEX2", "PEX5", "PEX14"], "gold_name": "protein import into peroxisome matrix",
             "library": "GO_BP", "split": "train"}]
    task.write_text("".join(json.dumps(r) + "\n" for r in rows))
    score = lambda names, golds: {"rouge_l": [float(n == g) for n, g in zip(names, golds)]}  # noqa: E731
    out = tmp_path / "cands.jsonl"
    summary = build_candidates_corpus(task, out, kb=tiny_kb_path, score=score, weights={"rouge_l": 1.0},
                                      contamination=(50, 100))
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r.get("contamination")) for r in got] == [
        ("GO:0016558", None), ("GO:0016558|random50", 50), ("GO:0016558|random100", 100)]
    assert got[0]["extras"] and not got[1]["extras"] and not got[2]["extras"]
    assert all(r["gold_name"] == rows[0]["gold_name"] and r["split"] == "train" for r in got)
    assert all(r["list"]["n_genes"] == 4 for r in got)
    # A wholly random copy of four peroxins is no longer a peroxisome set: its strongest candidate is weaker.
    strongest = [min((c["fdr"] for c in r["list"]["candidates"]), default=1.0) for r in got]
    assert strongest[2] > strongest[0]
    assert summary["contaminated_copies"] == {"50": 1, "100": 1} and summary["splits"]["train"]["sets"] == 1
    with pytest.raises(Gener1Error, match="percentages"):
        build_candidates_corpus(task, tmp_path / "x.jsonl", kb=tiny_kb_path, score=score, weights={"rouge_l": 1.0},
                                contamination=(0,))


# -- the chooser ----------------------------------------------------------------------------------------------
WORDS = ["alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "theta", "lambda", "zeta"]


def synthetic_corpus(path, n=360, seed=0):
    """Lists of 6 names; where a name says "positive" it is the right one (ROUGE-L 1), wherever it stands; a third
    of the sets have no such name and their right name is unknowable. Top-1 is right in ~1/6 of the sets."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        names = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} process {j}" for j in range(6)]
        rouge = [0.2] * 6
        if i % 3:
            k = rng.randrange(6)
            names[k] = "positive " + names[k]
            rouge[k] = 1.0
        else:
            rouge[rng.randrange(6)] = 0.6
        cl = _clist(names, set_id=f"set{i}")
        split = "train" if i < 0.7 * n else ("validation" if i < 0.85 * n else "test")
        rows.append({"id": f"set{i}", "split": split, "library": "GO_BP", "gold_name": f"gold {i}", "list": cl.to_dict(),
                     "terms": {"rouge_l": rouge}, "reward": rouge, "extras": []})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_trained_chooser_beats_top1_on_held_out_sets_and_its_confidence_separates_right_from_wrong(
        hashing_encoder, tmp_path):
    corpus = synthetic_corpus(tmp_path / "c.jsonl", n=600)
    out = tmp_path / "model"
    report = train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(out), epochs=(15,), taus=(0.1,),
                                         deltas=(0.0,), hidden=32, threads=1))
    val, test = report["validation"], report["test"]
    assert val["top1"] < 0.5 and val["rouge_l"] > 0.7 and val["p_vs_top1"] < 1e-3
    assert test["rouge_l"] > test["top1"] + 0.3 and test["kept_top1"] < 0.5
    conf = report["confidence"]
    assert conf["auroc"] > 0.75 and conf["distinct_values"] >= 2 and 0 <= conf["ece"] <= 1
    for name in ("chooser.json", "chooser.safetensors", "confidence.json", "chooser_report.json"):
        assert (out / name).is_file()

    # What annotation loads chooses the same way: the "positive" name, wherever it stands.
    chooser, calibrator = Chooser.load(out), Calibrator.load(out)
    plain = [f"{WORDS[j]} {WORDS[-j - 1]} process {j}" for j in range(6)]
    lists = [_clist(plain[:2] + ["positive " + plain[2]] + plain[3:]), _clist(["positive " + plain[0]] + plain[1:]),
             _clist(plain)]
    picks = chooser.choose(lists)
    assert [p.index for p in picks[:2]] == [2, 0]
    confs = [calibrator.confidence(cl, p) for cl, p in zip(lists, picks)]
    assert all(0 <= c <= 1 for c in confs) and min(confs[:2]) > confs[2]
    assert calibrator.confidence(_clist([]), None) == 0.0
    assert confidence_features(lists[0], picks[0]).shape == (len(CONFIDENCE_FEATURES),)


def test_contaminated_copies_teach_the_confidence_not_the_chooser(hashing_encoder, tmp_path):
    """Copies whose right name is "positive ..." (ROUGE-L 1 against the original gold) but whose evidence is weak
    (FDR 0.5): a 100% random copy is never correct, so the calibrator learns weak evidence means low confidence; the
    chooser itself is the same with or without them."""
    clean = synthetic_corpus(tmp_path / "c.jsonl", n=600)
    rows = [json.loads(line) for line in clean.read_text().splitlines()]
    copies = []
    for r in rows:
        if "positive" in " ".join(c["name"] for c in r["list"]["candidates"]):
            names = [c["name"] for c in r["list"]["candidates"]]
            copy = dict(r, id=r["id"] + "|random100", contamination=100,
                        list=_clist(names, fdrs=[0.5] * len(names), set_id=r["id"] + "|random100").to_dict())
            copies.append(copy)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in rows + copies))
    settings = dict(epochs=(15,), taus=(0.1,), deltas=(0.0,), hidden=32, threads=1)
    plain = train_chooser(ChooserConfig(corpus=str(clean), output_dir=str(tmp_path / "plain"), **settings))
    report = train_chooser(ChooserConfig(corpus=str(mixed), output_dir=str(tmp_path / "mixed"), **settings))
    assert report["validation"] == plain["validation"] and report["test"] == plain["test"]
    assert report["contaminated_copies"]["validation"] > 0 and "train_fit" not in report["contaminated_copies"]
    random_copies = report["confidence"]["contaminated"]["100"]
    assert random_copies["sets"] > 0 and random_copies["at_most_0.1"] > 0.9 and random_copies["below_real_twin"] > 0.9
    chooser, calibrator = Chooser.load(tmp_path / "mixed"), Calibrator.load(tmp_path / "mixed")
    names = ["positive " + WORDS[0] + " process 0"] + [f"{w} {w} process {j}" for j, w in enumerate(WORDS[1:6], 1)]
    strong, weak = _clist(names), _clist(names, fdrs=[0.5] * 6)
    assert calibrator.confidence(weak, chooser.choose([weak])[0]) < calibrator.confidence(strong, chooser.choose([strong])[0])


def test_the_chooser_learns_from_copies_of_the_levels_it_is_given(hashing_encoder, tmp_path):
    """Half-random copies whose right name is the one marked "rare" among names marked "common" (marks real sets never
    carry) teach the chooser that mark only with ``learn_from_copies``; train-split copies of other levels still never
    reach its fit."""
    clean = synthetic_corpus(tmp_path / "c.jsonl", n=600)
    rows = [json.loads(line) for line in clean.read_text().splitlines()]
    rng = random.Random(1)
    copies = []
    for r in rows:
        k = rng.randrange(len(r["list"]["candidates"]))
        names = [("rare " if j == k else "common ") + c["name"].replace("positive ", "")
                 for j, c in enumerate(r["list"]["candidates"])]
        rouge = [0.2] * len(names)
        rouge[k] = 1.0
        for level in (50, 25):
            copies.append(dict(r, id=f"{r['id']}|random{level}", contamination=level, terms={"rouge_l": rouge},
                               reward=rouge, list=_clist(names, set_id=f"{r['id']}|random{level}").to_dict()))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in rows + copies))
    settings = dict(epochs=(15,), taus=(0.1,), deltas=(0.0,), hidden=32, threads=1)
    plain = train_chooser(ChooserConfig(corpus=str(mixed), output_dir=str(tmp_path / "plain"), **settings))
    taught = train_chooser(ChooserConfig(corpus=str(mixed), output_dir=str(tmp_path / "taught"),
                                         learn_from_copies=(50,), **settings))
    assert "train_fit" not in plain["contaminated_copies"]
    n_train_fit_copies = taught["contaminated_copies"]["train_fit"]
    assert 0 < n_train_fit_copies <= plain["groups"]["train_fit"]  # level 50 only, not 25
    # Validation and test are real sets, scored as before: the copies' lesson does not cost the real choice.
    assert taught["validation"]["rouge_l"] > taught["validation"]["top1"] + 0.3
    where = [rng.randrange(6) for _ in range(40)]
    marked = [_clist([("rare " if j == k else "common ") + f"{rng.choice(WORDS)} {rng.choice(WORDS)} process {j}"
                      for j in range(6)]) for k in where]

    def found(model):
        return np.mean([p.index == k for p, k in zip(Chooser.load(tmp_path / model).choose(marked), where)])

    assert found("taught") > 0.9 and found("plain") < 0.5


def test_a_small_corpus_weighted_up_teaches_its_own_naming(hashing_encoder, tmp_path):
    """A large corpus whose right names say "positive", and a few sets of another kind where a "positive" name is
    wrong and the one marked "rare" is right: counted 40 times, its 6 training sets teach their exception; counted
    once, the large corpus' rule wins."""
    big = synthetic_corpus(tmp_path / "big.jsonl", n=600)
    rng = random.Random(2)
    small_rows = []
    for i in range(36):
        k, wrong = rng.sample(range(6), 2)
        names = [("rare " if j == k else "positive " if j == wrong else "common ")
                 + f"{rng.choice(WORDS)} {rng.choice(WORDS)} process {j}" for j in range(6)]
        rouge = [1.0 if j == k else 0.2 for j in range(6)]
        small_rows.append({"id": f"named{i}", "split": "train" if i < 6 else ("validation" if i < 21 else "test"),
                           "library": "named", "gold_name": f"named {i}", "list": _clist(names, set_id=f"named{i}").to_dict(),
                           "terms": {"rouge_l": rouge}, "reward": rouge, "extras": []})
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in small_rows))
    settings = dict(corpus=[str(big), str(small)], epochs=(15,), taus=(0.1,), deltas=(0.0,), hidden=32, threads=1)
    once = train_chooser(ChooserConfig(output_dir=str(tmp_path / "once"), **settings))
    weighted = train_chooser(ChooserConfig(output_dir=str(tmp_path / "weighted"), corpus_weights={"small.jsonl": 40},
                                           **settings))
    small_once, small_weighted = (r["test"]["by_corpus"]["small.jsonl"]["rouge_l"] for r in (once, weighted))
    assert small_once < 0.4 < 0.7 < small_weighted, (small_once, small_weighted)  # measured 0.20 and 0.84
    assert weighted["test"]["by_corpus"]["big.jsonl"]["rouge_l"] > weighted["test"]["by_corpus"]["big.jsonl"]["top1"] + 0.3
    meta = json.loads((tmp_path / "weighted" / "chooser.json").read_text())["trained_on"]
    assert meta["weights"] == {"small.jsonl": 40} and meta["train_sets"] == once["groups"]["train_fit"] + once["groups"]["train_dev"]
    with pytest.raises(Gener1Error, match="not a corpus of this run"):
        train_chooser(ChooserConfig(output_dir=str(tmp_path / "x"), corpus_weights={"other.jsonl": 2}, **settings))


def test_chooser_files_from_another_version_are_refused(hashing_encoder, tmp_path):
    corpus = synthetic_corpus(tmp_path / "c.jsonl", n=300)
    out = tmp_path / "m"
    train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(out), epochs=(1,), taus=(0.1,), deltas=(0.0,),
                                hidden=8, threads=1))
    meta = json.loads((out / "chooser.json").read_text())
    assert meta["features"] == list(FEATURES)
    meta["features"] = meta["features"][:-1]
    (out / "chooser.json").write_text(json.dumps(meta))
    with pytest.raises(Gener1Error, match="retrain"):
        Chooser.load(out)


def test_the_chooser_scores_with_the_mean_of_its_ensemble_members_and_either_architecture(hashing_encoder, tmp_path):
    import torch

    from gener1_tool.model.chooser import network_input

    corpus = synthetic_corpus(tmp_path / "c.jsonl", n=300)
    settings = dict(epochs=(3,), taus=(0.1,), deltas=(0.0,), hidden=8, threads=1)
    report = train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "att"), architecture="attention",
                                         members=3, **settings))
    chooser = Chooser.load(tmp_path / "att")
    assert chooser.meta["architecture"] == "attention" and chooser.meta["members"] == 3
    assert report["validation"]["rouge_l"] > report["validation"]["top1"]
    names = [f"{w} {w} process {j}" for j, w in enumerate(WORDS[:5])] + ["positive omega process 5"]
    cl = _clist(names)
    (X, E), = chooser.inputs.raw([cl])
    x = network_input(X, E, chooser.mean, chooser.std)[None]
    mask = torch.ones(x.shape[:2], dtype=torch.bool)
    with torch.no_grad():
        each = [m(x, mask)[0].numpy() for m in chooser.net.members]
    assert len(each) == 3 and not np.allclose(each[0], each[1])  # members come from different seeds
    assert np.allclose(chooser.scores([cl])[0], np.mean(each, 0), atol=1e-5)

    train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "mlp"), architecture="mlp", members=1,
                                **settings))
    mlp = Chooser.load(tmp_path / "mlp")
    assert mlp.meta["architecture"] == "mlp" and mlp.meta["members"] == 1

    # A version-1 chooser (the shipped one: a bare MLP, no architecture or members in its meta) loads and scores alike.
    from safetensors.torch import load_file, save_file

    v1 = tmp_path / "v1"
    v1.mkdir()
    meta = json.loads((tmp_path / "mlp" / "chooser.json").read_text())
    meta = {k: v for k, v in meta.items() if k not in ("architecture", "members")} | {"version": 1}
    (v1 / "chooser.json").write_text(json.dumps(meta))
    state = load_file(str(tmp_path / "mlp" / "chooser.safetensors"))
    save_file({k.removeprefix("members.0.score."): v for k, v in state.items()}, str(v1 / "chooser.safetensors"))
    assert np.allclose(Chooser.load(v1).scores([cl])[0], mlp.scores([cl])[0])
    with pytest.raises(Gener1Error, match="unknown chooser architecture"):
        train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "x"), architecture="tree", **settings))
    with pytest.raises(Gener1Error, match="at least one member"):
        train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "x"), members=0, **settings))


def test_a_malformed_corpus_row_names_its_line(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "list": {"candidates": []}}) + "\n")
    with pytest.raises(Gener1Error, match=r"c.jsonl:1: not a candidates-corpus row"):
        train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "o")))
    with pytest.raises(Gener1Error, match="unknown chooser target"):
        train_chooser(ChooserConfig(corpus=str(corpus), output_dir=str(tmp_path / "o"), target="nope"))


def test_cli_trains_and_reports(hashing_encoder, tmp_path):
    corpus = synthetic_corpus(tmp_path / "c.jsonl", n=150)
    result = CliRunner().invoke(cli, ["train", "chooser", str(corpus), "-o", str(tmp_path / "m"), "--epochs", "4",
                                      "--tau", "0.1", "--delta", "0", "--hidden", "16", "--threads", "1"])
    assert result.exit_code == 0, result.output
    assert "validation\tROUGE-L" in result.output and "confidence\ttest: AUROC" in result.output


# -- annotate with a chooser in the model directory -----------------------------------------------------------
@pytest.fixture
def chooser_model_dir(hashing_encoder, tmp_path_factory):
    base = tmp_path_factory.mktemp("chooser")
    out = base / "model"
    train_chooser(ChooserConfig(corpus=str(synthetic_corpus(base / "c.jsonl", n=300)), output_dir=str(out),
                                epochs=(3,), taus=(0.1,), deltas=(0.0,), hidden=8, threads=1))
    return out


class ReasoningFake:
    """Continues each opening with one reasoning step; counts loads and calls."""

    def __init__(self):
        self.loads, self.openings, self.prompts, self.gene_lists = 0, [], [], []
        self.continue_with = lambda opening: "The gene PEX1 is listed.</think>"  # the text after each opening

    def load(self, spec, threads=None, merge_adapter=False):
        self.loads += 1
        return object(), type("Tok", (), {"__call__": lambda self, t, add_special_tokens=False: {"input_ids": t.split()}})()

    def generate(self, model, tokenizer, prompts, *, answer_prefix="", stop_at=None, gene_lists=None, **kwargs):
        openings = answer_prefix if isinstance(answer_prefix, list) else [answer_prefix] * len(prompts)
        self.gene_lists += list(gene_lists) if gene_lists is not None else [None] * len(prompts)
        self.openings += openings
        self.prompts += [p[-1]["content"] for p in prompts]
        return [(o or "Process: a name of its own (0.9)\nReasoning:\n<think>") + self.continue_with(o) for o in openings]


@pytest.fixture
def reasoning_fake(monkeypatch):
    fake = ReasoningFake()
    monkeypatch.setattr("gener1_tool.model.load.load_model", fake.load)
    monkeypatch.setattr("gener1_tool.model.generate.generate", fake.generate)
    return fake


def _run(tmp_path, model_dir, kb, **options):
    from gener1_tool.annotation.config import AnnotateConfig
    from gener1_tool.annotation.run import annotate

    sets = tmp_path / "sets.tsv"
    sets.write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3 PEX5\nperox2\tPEX1 PEX2 PEX5\n")
    out = tmp_path / options.pop("name", "out")
    options.setdefault("report", False)
    annotate(AnnotateConfig(inputs=[sets], output_dir=out, model=str(model_dir), kb=kb, **options))
    return [json.loads(line) for line in (out / "annotations.jsonl").read_text().splitlines()]


def test_name_only_annotation_is_named_by_the_chooser_without_loading_the_language_model(
        chooser_model_dir, reasoning_fake, tiny_kb_path, tmp_path):
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path, reasoning=False)
    calibrator = Calibrator.load(chooser_model_dir)
    assert reasoning_fake.loads == 0
    for rec in recs:
        assert rec["status"] == "ok" and "named_by_chooser" in rec["flags"] and "name_only" in rec["flags"]
        chosen = rec["candidates"][rec["choice"]["rank"] - 1]
        assert rec["name"] == chosen["name"] and rec["choice"]["term_id"] == chosen["term_id"]
        assert sum(c["choice"] for c in rec["candidates"]) == pytest.approx(1, abs=1e-3)
        assert rec["choice"]["calibrated"] and 0 <= rec["confidence"] <= 1
        assert rec["raw"] == f"Process: {rec['name']} ({rec['confidence']:.2f})"
    assert calibrator is not None


def test_with_reasoning_the_language_model_continues_the_chosen_name(chooser_model_dir, reasoning_fake, tiny_kb_path,
                                                                      tmp_path):
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path)
    assert reasoning_fake.loads == 1
    for rec, opening in zip(recs, reasoning_fake.openings):
        assert opening == f"Process: {rec['name']} ({rec['confidence']:.2f})\nReasoning:\n<think>"
        assert rec["status"] == "ok" and rec["answer"]["steps"] == ["The gene PEX1 is listed."]
    # --no-chooser: the language model names the sets itself, as before
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, name="plain")
    assert {r["name"] for r in recs} == {"a name of its own"}
    assert all(r["candidates"] == [] and "named_by_chooser" not in r["flags"] for r in recs)


# -- evaluate shows the choice -------------------------------------------------------------------------------
def test_evaluate_reports_the_choice_against_top1_and_best_of_k(tmp_path):
    from gener1_tool.evaluation import metrics
    from gener1_tool.evaluation.evaluate import evaluate, markdown_table

    rows = [("a", "regulation of cell growth", ["cell growth", "regulation of cell growth", "apoptosis"], "regulation of cell growth"),
            ("b", "apoptotic process", ["apoptotic process", "cell death"], "apoptotic process"),
            ("c", "DNA repair", ["DNA repair", "mismatch binding"], "mismatch binding"),
            ("d", "translation", None, "translation")]
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": i, "name": name, "gold_name": gold, "candidates": cands}) + "\n"
                             for i, gold, cands, name in rows))
    ev = evaluate([str(preds)], encoders=())
    choice = ev.summary["methods"]["p"]["datasets"][ev.datasets[0]]["choice"]
    rl = lambda g, n: float(metrics.rouge([g], [n])["rougeL"][0])  # noqa: E731
    assert choice["n"] == 3 and choice["k"] == 3  # the row without candidates is not judged
    assert (choice["kept_top1"], choice["changed"], choice["changed_better"], choice["changed_worse"]) == (1, 2, 1, 1)
    assert choice["top1_rougeL"] == pytest.approx((rl(rows[0][1], "cell growth") + 1 + 1) / 3)
    assert choice["best_of_k_rougeL"] == pytest.approx(1.0)
    assert choice["chosen_rougeL"] == pytest.approx((1 + 1 + rl("DNA repair", "mismatch binding")) / 3)
    assert "The choice among each set's candidates" in markdown_table(ev)
    preds.write_text(json.dumps({"id": "a", "name": "x", "gold_name": "y", "candidates": "not a list"}) + "\n")
    with pytest.raises(Gener1Error, match="'candidates' must be a list"):
        evaluate([str(preds)], encoders=())


def test_chooser_named_sets_are_reasoned_about_on_the_compact_prompt(chooser_model_dir, reasoning_fake, tiny_kb_path,
                                                                     tmp_path):
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path)  # grounded, the default
    assert all(p.startswith("Name the most prominent") and "Candidate terms" in p for p in reasoning_fake.prompts)
    assert all("named_by_chooser" in r["flags"] for r in recs)
    compact = _run(tmp_path, chooser_model_dir, tiny_kb_path, mode="candidates", name="compact")
    assert [r["name"] for r in compact] == [r["name"] for r in recs]  # the chooser names the same either way
    # the language model naming a set itself reads the prompt of the mode
    _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, name="lm")
    assert reasoning_fake.prompts[-1].startswith("Write a critical analysis")
    _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, mode="candidates", name="lm_compact")
    assert reasoning_fake.prompts[-1].startswith("Name the most prominent")


def test_compact_prompt_reasoning_is_decoded_with_the_sets_own_symbols_unless_freed(
        chooser_model_dir, reasoning_fake, tiny_kb_path, tmp_path):
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path)
    assert sorted(list(g) for g in reasoning_fake.gene_lists) == sorted(r["genes"] for r in recs)
    reasoning_fake.gene_lists.clear()
    _run(tmp_path, chooser_model_dir, tiny_kb_path, constrain_gene_lists=False, name="free")
    assert reasoning_fake.gene_lists == [None, None]
    reasoning_fake.gene_lists.clear()
    _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, name="lm")  # the long prompt's steps are not lists
    assert reasoning_fake.gene_lists == [None, None]


def test_rows_and_report_show_the_sets_genes_in_the_named_term(chooser_model_dir, reasoning_fake, tiny_kb_path,
                                                               tmp_path):
    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path, reasoning=False, report=True)
    html = (tmp_path / "out" / "report.html").read_text()
    for rec in recs:
        overlap = rec["name_overlap"]
        chosen = rec["candidates"][rec["choice"]["rank"] - 1]
        assert overlap["term_id"] == chosen["term_id"] and overlap["name"] == rec["name"]
        assert len(overlap["genes"]) == chosen["overlap"] and set(overlap["genes"]) <= set(rec["genes"])
        assert f"Overlap with the named term {overlap['term_id']}" in html
        assert all(f"<b>{g}</b>" in html for g in overlap["genes"])


def test_statistics_the_reasoning_cites_are_the_candidate_lists_own(chooser_model_dir, reasoning_fake, tiny_kb_path,
                                                                    tmp_path):
    """A model that copies the wrong overlap and FDR beside the chosen term, and cites figures for a term that is no
    candidate: the row reads the chosen candidate's own figures, the made-up ones are gone, each change is kept."""
    import re

    from gener1_tool.enrichment.candidates import format_fdr

    def wrong_figures(opening):
        name = re.match(r"Process: (.*) \(", opening).group(1)
        return (f"PEX1 is involved in {name} (99/999 genes, FDR 1e-99).</think>\n"
                f"<think>PEX1 and PEX2 point to a made-up term (4 of 4 annotated genes, FDR 1e-50).</think>")

    reasoning_fake.continue_with = wrong_figures
    for rec in _run(tmp_path, chooser_model_dir, tiny_kb_path):
        chosen = rec["candidates"][rec["choice"]["rank"] - 1]
        figures = f"({chosen['overlap']}/{chosen['term_size']} genes, FDR {format_fdr(chosen['fdr'])})"
        assert rec["answer"]["steps"] == [f"PEX1 is involved in {chosen['name']} {figures}.",
                                          "PEX1 and PEX2 point to a made-up term."]
        assert rec["answer"]["steps"][0] in rec["raw"] and "1e-50" not in rec["raw"] and "999" not in rec["raw"]
        assert rec["name"] == chosen["name"] and "statistics_corrected" in rec["flags"]
        assert rec["statistics_corrected"] == [
            {"was": "(99/999 genes, FDR 1e-99)", "now": figures, "term": chosen["name"]},
            {"was": "(4 of 4 annotated genes, FDR 1e-50)", "now": "", "term": None}]
    reasoning_fake.continue_with = lambda opening: "PEX1 is involved in peroxisome.</think>"  # no figures: untouched
    for rec in _run(tmp_path, chooser_model_dir, tiny_kb_path, name="plain"):
        assert "statistics_corrected" not in rec["flags"] and "statistics_corrected" not in rec


def test_figures_cited_on_the_grounded_prompt_are_the_evidences_own(chooser_model_dir, reasoning_fake, tiny_kb_path,
                                                                   tmp_path):
    """--no-chooser on the grounded prompt: figures cited beside an enriched term of the evidence are that term's."""
    from gener1_tool.enrichment.candidates import format_fdr
    from gener1_tool.enrichment.evidence import EvidenceBundle

    recs = _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, name="peek")  # the evidence it will list
    term = EvidenceBundle.from_dict(recs[0]["evidence"]).top_terms()[0]  # a term the grounded prompt lists
    reasoning_fake.continue_with = lambda opening: f"PEX1 is located in {term.name} (1/1 genes, FDR 0.9).</think>"
    for rec in _run(tmp_path, chooser_model_dir, tiny_kb_path, chooser=False, name="grounded"):
        listed = {t.name: t for t in EvidenceBundle.from_dict(rec["evidence"]).top_terms()}[term.name]
        figures = f"({listed.overlap}/{listed.term_size} genes, FDR {format_fdr(listed.fdr)})"
        assert rec["answer"]["steps"] == [f"PEX1 is located in {term.name} {figures}."]
        assert rec["statistics_corrected"][0]["was"] == "(1/1 genes, FDR 0.9)" and "statistics_corrected" in rec["flags"]
