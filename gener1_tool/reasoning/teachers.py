"""Teacher plugins: write reasoning examples in gener1's answer format for the reasoning SFT corpus.

Built-ins (``gener1 corpus reasoning --teacher NAME``):
* ``grounded``  offline: factual steps written from the KB evidence bundle (enriched terms, pathways,
  complexes, per-gene functions) with Gene-R1's step templates in varied, seeded phrasing; names the
  process after the top evidence term (or a consensus of the top terms).
* ``openai``    any OpenAI-compatible chat endpoint (a local vLLM / llama.cpp / ollama server, or a hosted
  one). Never called unless configured: ``base_url`` and ``model`` options, or GENER1_TEACHER_URL and
  GENER1_TEACHER_MODEL (key: GENER1_TEACHER_API_KEY or OPENAI_API_KEY). Timeouts, HTTP errors and garbage
  replies become recorded failures (``TeacherFailure``), never crashes.
* ``import``    existing traces from a JSONL file (``path`` option): rows with ``id`` and the answer text in
  ``completion`` / ``answer`` / ``text`` / ``output`` / ``response``.

Every teacher returns text rendered by ``gener1_tool.reasoning.answer.render``. A teacher is a class with
``name``, ``description``, ``needs_evidence`` and ``write(gene_set, evidence=None) -> str``; third-party
plugins register theirs with ``@hookimpl def register_teachers(register): register(MyTeacher)``.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from .. import plugins
from ..enrichment.evidence import EvidenceBundle
from ..errors import Gener1Error
from ..hookspecs import hookimpl
from ..io import iter_jsonl
from . import answer
from .prompts import build_prompt


class TeacherFailure(Gener1Error):
    """One example the teacher could not write; the corpus builder counts it under ``reason`` and moves on."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(f"{reason}: {message}")


class Teacher:
    name = ""
    description = ""
    needs_evidence = False

    def write(self, gene_set, evidence=None) -> str:
        raise NotImplementedError


def normalise_answer(text: str) -> str:
    """Re-render any answer-like text in the canonical format (raises TeacherFailure when it has no name).

    Steps come from ``<think>`` tags; a reply in prose instead has each non-empty line after its
    ``Process:`` line taken as one step.
    """
    parsed = answer.parse(text)
    if not parsed.name:
        raise TeacherFailure("no_answer", f"no parseable 'Process:' line in {text[:80]!r}")
    steps = parsed.steps or _prose_steps(text)
    return answer.render(parsed.name, steps, parsed.confidence)


def _prose_steps(text: str) -> list[str]:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if answer.parse(line).has_process_line), -1)
    steps = []
    for line in lines[start + 1:]:
        line = line.strip().lstrip("-*• ").strip()
        if not line:
            continue
        parsed = answer.parse(line)
        if parsed.has_reasoning_header and len(line) < 20:
            continue
        if parsed.confidence is not None and not parsed.name and len(line) < 30:
            continue  # a separate "Confidence: 0.8" line
        steps.append(line)
    return steps


# -- grounded (offline, from the evidence bundle) ------------------------------------------------------------
# Gene-R1's case-study step templates come first in each list; the others vary the phrasing so that SFT
# does not learn one sentence per slot. {terms} is a joined list of names, {genes} a joined list of symbols.
PHRASES = {
    "process": [
        "The genes are enriched in the GO terms related to {terms}.",
        "The genes are enriched in GO biological processes such as {terms}.",
        "Enrichment analysis against GO shows the genes are related to {terms}.",
        "Several of these genes ({genes}) share GO annotations for {terms}.",
    ],
    "function": [
        "The genes are enriched in the GO terms related to {terms}.",
        "The genes share molecular functions such as {terms}.",
        "Their products have molecular functions including {terms} ({genes}).",
    ],
    "component": [
        "The genes are enriched in the GO terms related to {terms}.",
        "The gene products are located in {terms}.",
        "The proteins localise to {terms} ({genes}).",
    ],
    "pathway": [
        "The genes associate with the pathway of {terms}.",
        "The genes associate with the pathways of {terms}.",
        "Several genes ({genes}) take part in the {terms} pathway.",
    ],
    "complex": [
        "The genes are in the protein complex {terms}.",
        "{genes} are subunits of the {terms}.",
        "The proteins {genes} form part of the {terms}.",
    ],
    "phenotype": [
        "The genes are associated with the phenotypes {terms}.",
        "Defects in {genes} are linked to {terms}.",
    ],
    "gene": [
        "The gene {gene} has function for {terms}.",
        "The gene {gene} has function for {terms}, which fits this system.",
        "{gene} is annotated with {terms}.",
    ],
    "conclusion": [
        "Together, the genes point to {terms} as the most prominent process.",
        "Taken together, these genes act in {terms}.",
        "The shared evidence suggests the system performs {terms}.",
    ],
    "unrelated": [
        "No term or pathway is shared by enough of the genes to name a common process.",
        "The genes have no significant shared annotation, so they look like a system of unrelated proteins.",
    ],
}
GO_KINDS = {"GO_BP": "process", "GO_MF": "function", "GO_CC": "component"}
NAMINGS = ("top", "strongest", "consensus")
STEP_ORDER = ("process", "pathway", "complex", "function", "component", "phenotype")


def library_kind(library: str, relations: dict[str, str] | None = None) -> str:
    """The step a library's terms feed: GO branches by name, others by their KB relation (default pathway)."""
    if library in GO_KINDS:
        return GO_KINDS[library]
    relation = (relations or {}).get(library)
    if relation:
        return relation
    upper = library.upper()
    if "CORUM" in upper or "COMPLEX" in upper:
        return "complex"
    if "HPO" in upper or "PHENOTYPE" in upper:
        return "phenotype"
    return "pathway"


def join_names(names: list[str]) -> str:
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class GroundedTeacher(Teacher):
    """Writes factual steps from the evidence bundle and names the process after the evidence.

    Steps, in order: enriched GO processes, pathways, protein complexes, molecular functions, cellular
    components (each from the bundle's enriched terms, at most ``terms_per_step`` names), then up to
    ``max_gene_steps`` per-gene functions (the bundle's most specific GO terms of each gene, genes that
    support the named term first), then a conclusion that names the process.

    ``naming="top"`` names the most significant GO process term (any term when no process is enriched);
    ``"strongest"`` names the most significant term of any library (a GO function or component, a pathway,
    a complex), so sets defined by a shared function or location are named after it rather than after a
    process their genes also touch; ``"consensus"`` takes, among the top ``consensus_k`` process terms, the one that covers most input
    genes (ties: the more significant), since the single most significant term is often a narrow one.

    Confidence = share of the input genes in the named term, capped at 0.95 (a curated term never gives
    certainty). Nothing enriched → "System of unrelated proteins", confidence 0. Phrasing is drawn from
    ``PHRASES`` with a generator seeded by ``seed`` and the set ID: reproducible, varied across sets.
    """

    name = "grounded"
    description = "offline: factual steps from the KB evidence bundle, Gene-R1 step templates, varied phrasing"
    needs_evidence = True

    def __init__(self, seed: int = 0, naming: str = "top", consensus_k: int = 3, terms_per_step: int = 3,
                 max_gene_steps: int = 3, max_steps: int = 8, relations: dict[str, str] | None = None):
        if naming not in NAMINGS:
            raise Gener1Error(f"grounded teacher: naming must be one of {', '.join(NAMINGS)}, not {naming!r}")
        self.seed = int(seed)
        self.naming = naming
        self.consensus_k = int(consensus_k)
        self.terms_per_step = int(terms_per_step)
        self.max_gene_steps = int(max_gene_steps)
        self.max_steps = int(max_steps)
        self.relations = relations

    def choose_name(self, bundle):
        """The enriched term that names the process (None when nothing is enriched)."""
        if self.naming == "strongest":
            candidates = bundle.top_terms()
        else:
            processes = [t for lib, ts in bundle.enriched.items()
                         if library_kind(lib, self.relations) == "process" for t in ts]
            processes.sort(key=lambda t: (t.pvalue, t.term_size, t.term_id))
            candidates = processes or bundle.top_terms()
        if not candidates:
            return None
        if self.naming != "consensus":
            return candidates[0]
        top = candidates[: self.consensus_k]
        return max(top, key=lambda t: (t.overlap, -top.index(t)))

    def write(self, gene_set, evidence=None) -> str:
        if evidence is None:
            raise TeacherFailure("no_evidence", "the grounded teacher needs an evidence bundle")
        bundle = EvidenceBundle.from_dict(evidence) if isinstance(evidence, dict) else evidence
        rng = random.Random(f"{self.seed}:{getattr(gene_set, 'id', bundle.set_id)}")
        genes = list(getattr(gene_set, "genes", gene_set))
        named = self.choose_name(bundle)

        def phrase(kind, terms, overlap=(), gene=""):
            template = rng.choice(PHRASES[kind])
            return template.format(terms=join_names(list(terms)), genes=join_names(list(overlap)[:4]), gene=gene)

        by_kind: dict[str, list] = {}
        for lib, terms in bundle.enriched.items():
            for t in terms:
                kind = library_kind(lib, self.relations)
                if kind == "component" and "complex" in t.name.lower():
                    kind = "complex"
                by_kind.setdefault(kind, []).append(t)
        steps: list[str] = []
        for kind in STEP_ORDER:
            group = sorted(by_kind.get(kind, []), key=lambda t: (t.pvalue, t.term_size, t.term_id))[: self.terms_per_step]
            if group:
                overlap = list(dict.fromkeys(g for t in group for g in t.genes))
                steps.append(phrase(kind, [t.name for t in group], overlap))
        # Per-gene functions, genes that support the named term first (the bundle lists genes by signal).
        support = set(named.genes) if named else set()
        notes = sorted((n for n in bundle.genes if n.go_terms or n.pathways),
                       key=lambda n: n.symbol not in support)  # stable: keeps the bundle's order otherwise
        for note in notes[: self.max_gene_steps]:
            functions = [name for _, name in note.go_terms[:2]] or [name for _, name in note.pathways[:1]]
            steps.append(phrase("gene", functions, gene=note.symbol))
        if named is None:
            steps = steps[: self.max_steps - 1] + [rng.choice(PHRASES["unrelated"])]
            return answer.render(answer.UNRELATED, steps, 0.0)
        steps = steps[: self.max_steps - 1] + [phrase("conclusion", [named.name])]
        confidence = min(0.95, named.overlap / max(1, len(genes)))
        return answer.render(named.name, steps, round(confidence, 2))


# -- OpenAI-compatible endpoint ------------------------------------------------------------------------------
class OpenAITeacher(Teacher):
    """A chat-completions endpoint (``{base_url}/chat/completions``), asked with ``build_prompt``.

    Retries timeouts, connection errors, HTTP 429 and 5xx ``retries`` times with exponential backoff;
    other HTTP errors and unreadable replies fail the example at once.
    """

    name = "openai"
    description = "any OpenAI-compatible chat endpoint (GENER1_TEACHER_URL / _MODEL / _API_KEY); never called unless configured"

    def __init__(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, retries: int = 2, backoff: float = 1.0, temperature: float = 0.0,
                 max_tokens: int = 1024, mode: str = "model-only"):
        self.base_url = base_url or os.environ.get("GENER1_TEACHER_URL")
        self.model = model or os.environ.get("GENER1_TEACHER_MODEL")
        if not self.base_url or not self.model:
            raise Gener1Error("the openai teacher is not configured: give base_url=URL and model=NAME "
                              "(or set GENER1_TEACHER_URL and GENER1_TEACHER_MODEL), e.g. a local "
                              "llama.cpp/vLLM/ollama server at http://localhost:8000/v1")
        self.api_key = api_key or os.environ.get("GENER1_TEACHER_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.mode = mode
        self.needs_evidence = mode == "grounded"

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def _post(self, payload: dict) -> bytes:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(), headers=headers, method="POST")
        last = ("error", "no attempt")
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                last = ("http_error", f"HTTP {exc.code} from {self.url}")
                if exc.code != 429 and exc.code < 500:
                    break
            except (TimeoutError, socket.timeout) as exc:
                last = ("timeout", f"no reply from {self.url} within {self.timeout:g} s ({exc})")
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                    last = ("timeout", f"no reply from {self.url} within {self.timeout:g} s")
                else:
                    last = ("connection_error", f"{self.url}: {exc.reason}")
            except (ConnectionError, OSError) as exc:
                last = ("connection_error", f"{self.url}: {exc}")
        raise TeacherFailure(*last)

    def write(self, gene_set, evidence: dict | None = None) -> str:
        messages = build_prompt(gene_set, evidence, self.mode)
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature,
                   "max_tokens": self.max_tokens}
        raw = self._post(payload)
        try:
            reply = json.loads(raw)
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise TeacherFailure("garbage", f"unreadable reply from {self.url}: {raw[:80]!r}") from None
        if not isinstance(content, str) or not content.strip():
            raise TeacherFailure("garbage", f"empty message content from {self.url}")
        return normalise_answer(content)


# -- import existing traces ----------------------------------------------------------------------------------
TRACE_FIELDS = ("completion", "answer", "text", "output", "response")


class ImportTeacher(Teacher):
    """Existing traces from a JSONL file, matched to gene sets by ``id``."""

    name = "import"
    description = "existing reasoning traces from JSONL (id + completion/answer/text), re-rendered in gener1's format"

    def __init__(self, path: str | os.PathLike | None = None):
        if not path:
            raise Gener1Error("the import teacher needs path=TRACES.jsonl")
        self.path = Path(path)
        self.traces = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> dict[str, str]:
        if not path.exists():
            raise Gener1Error("traces file not found", path=path)
        traces: dict[str, str] = {}
        for lineno, row in iter_jsonl(path):
            if "id" not in row:
                raise Gener1Error("a trace row needs an 'id'", path=path, line=lineno)
            text = next((row[f] for f in TRACE_FIELDS if row.get(f)), None)
            if isinstance(text, list):  # chat messages: take the assistant's content
                text = "".join(m.get("content", "") for m in text if isinstance(m, dict) and m.get("role") != "user")
            if not isinstance(text, str):
                raise Gener1Error(f"a trace row needs the answer text in one of {', '.join(TRACE_FIELDS)}",
                                  path=path, line=lineno)
            traces[str(row["id"])] = text
        return traces

    def write(self, gene_set, evidence: dict | None = None) -> str:
        gid = str(getattr(gene_set, "id", ""))
        if gid not in self.traces:
            raise TeacherFailure("no_trace", f"no imported trace for id {gid!r}")
        return normalise_answer(self.traces[gid])


@hookimpl
def register_teachers(register):
    for cls in (GroundedTeacher, OpenAITeacher, ImportTeacher):
        register(cls)


def get_teacher(name: str, **options) -> Teacher:
    """A configured teacher instance by plugin name (``options`` go to its constructor)."""

    thing = plugins.get("teachers", name)
    if isinstance(thing, type):
        try:
            return thing(**options)
        except TypeError as exc:
            raise Gener1Error(f"teacher {name!r}: bad options {sorted(options)} ({exc})") from None
    if options:
        raise Gener1Error(f"teacher {name!r} takes no options")
    return thing
