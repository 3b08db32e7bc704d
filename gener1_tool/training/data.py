"""Reading and tokenising training data, with every skip and truncation counted (never silent).

* warm-up text corpora: JSONL with a ``text`` field (what ``gener1 corpus knowledge`` writes) or plain text,
  one sentence per line; sequence packing (concatenate with EOS between sentences, cut into blocks) or
  one sentence per row;
* prompt/completion corpora: JSONL as ``gener1 corpus reasoning`` writes (conversational ``prompt`` messages
  and ``completion`` messages, or plain strings), tokenised with the chat template and a completion mask.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from ..errors import Gener1Error
from ..io import iter_jsonl
from ..io import open_text as _open
from ..model.generate import render_prompt


def subsample_indices(n: int, subsample: float | int | None, seed: int) -> list[int]:
    """All indices, or a seeded sample: a fraction (0 < x ≤ 1) or a count (x > 1), kept in file order."""
    if subsample is None or subsample == 1 or n == 0:
        return list(range(n))
    k = int(round(subsample * n)) if subsample < 1 else int(subsample)
    if k <= 0:
        raise Gener1Error(f"subsample {subsample} keeps no examples out of {n}")
    k = min(k, n)
    return sorted(random.Random(seed).sample(range(n), k))


# -- warm-up text ------------------------------------------------------------------------------------------
def read_texts(path: str | Path, field: str = "text") -> tuple[list[str], Counter]:
    """Sentences from a JSONL (``field``) or plain-text corpus, and counts of what was skipped."""
    path = Path(path)
    counts: Counter = Counter()
    texts: list[str] = []
    if path.name.endswith((".jsonl", ".jsonl.gz", ".json")):
        for _, row in iter_jsonl(path):
            counts["rows"] += 1
            text = row.get(field)
            if not isinstance(text, str) or not text.strip():
                counts["skipped_empty"] += 1
                continue
            texts.append(text.strip())
    else:
        if not path.exists():
            raise Gener1Error("file not found", path=path)
        with _open(path) as fh:
            for line in fh:
                counts["rows"] += 1
                if not line.strip():
                    counts["skipped_empty"] += 1
                    continue
                texts.append(line.strip())
    if not texts:
        raise Gener1Error(f"no training text: no non-empty {field!r} values", path=path)
    return texts, counts


def tokenize_texts(texts: list[str], tokenizer, *, max_tokens: int | None = None) -> tuple[list[list[int]], int]:
    """Token ids per sentence with EOS appended (the sentence boundary), up to a total token budget."""
    eos = tokenizer.eos_token_id
    if eos is None:
        raise Gener1Error("the tokenizer has no EOS token to separate sentences")
    out, total = [], 0
    for start in range(0, len(texts), 1000):
        batch = tokenizer(texts[start : start + 1000], add_special_tokens=False)["input_ids"]
        for ids in batch:
            ids = list(ids) + [eos]
            if max_tokens is not None and total + len(ids) > max_tokens:
                return out, total
            out.append(ids)
            total += len(ids)
    return out, total


def pack(sequences: list[list[int]], block_size: int) -> list[list[int]]:
    """Concatenate sequences and cut the stream into ``block_size`` blocks (the last one may be shorter).

    Sentences are separated by their EOS; attention crosses sentence boundaries inside a block, as in
    standard causal-LM pre-training (and TRL's "wrapped" packing).
    """
    stream = [t for seq in sequences for t in seq]
    return [stream[i : i + block_size] for i in range(0, len(stream), block_size)]


def truncate(sequences: list[list[int]], max_length: int) -> tuple[list[list[int]], int]:
    truncated = sum(len(s) > max_length for s in sequences)
    return [s[:max_length] for s in sequences], truncated


# -- prompt / completion -------------------------------------------------------------------------------------
def read_prompt_completions(path: str | Path) -> tuple[list[dict], Counter]:
    """Rows with ``prompt`` and ``completion`` (chat messages or strings); empty ones are skipped and counted."""
    path = Path(path)
    counts: Counter = Counter()
    rows = []
    for lineno, row in iter_jsonl(path):
        counts["rows"] += 1
        prompt, completion = row.get("prompt"), row.get("completion")
        if prompt is None or completion is None:
            raise Gener1Error("a reasoning example needs 'prompt' and 'completion'", path=path, line=lineno)
        if not _content(completion).strip() or not _content(prompt).strip():
            counts["skipped_empty"] += 1
            continue
        rows.append(row)
    if not rows:
        raise Gener1Error("no usable prompt/completion examples", path=path)
    return rows, counts


def _content(x) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, list):
        return "".join(str(m.get("content", "")) for m in x if isinstance(m, dict))
    return ""


def as_messages(x, role: str) -> list[dict]:
    return [{"role": role, "content": x}] if isinstance(x, str) else list(x)


def tokenize_prompt_completion(prompt, completion, tokenizer) -> tuple[list[int], list[int]]:
    """Token ids of prompt + completion through the chat template, and a mask that is 1 on completion tokens.

    The prompt is rendered with the assistant turn opened; the completion ends with the template's
    end-of-turn, so the model learns to stop.
    """

    prompt_msgs = as_messages(prompt, "user")
    completion_msgs = as_messages(completion, "assistant")
    prompt_text = render_prompt(tokenizer, prompt_msgs)
    if getattr(tokenizer, "chat_template", None):
        full_text = tokenizer.apply_chat_template(prompt_msgs + completion_msgs, tokenize=False)
    else:
        full_text = prompt_text + " " + _content(completion_msgs) + (tokenizer.eos_token or "")
    if not full_text.startswith(prompt_text):
        raise Gener1Error("the chat template renders the prompt differently alone and with its answer; "
                          "completion-only loss needs the prompt to be a prefix")
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    return list(prompt_ids) + list(completion_ids), [0] * len(prompt_ids) + [1] * len(completion_ids)
