"""Constrained decoding of the gene list that opens a reasoning step: after each step opener (``<think>``) the
model writes one or more symbols of its own set ("EDN1, CDC42 and SIX1 are involved in ..."), and every token of
such a list is masked to the set's symbols. The rest of the step is free.

Why: a 135M model copies symbols with slips ("DLRAP1" for LDLRAP1, "MLF1".."MLF8" for a set holding MLF2 alone),
and a claim about a gene the set does not hold cannot be checked or trusted. Grammar-constrained decoding fixes the
spelling without a larger model; the model still decides *which* of the set's genes to cite, and where the list
ends. A list is ``SYMBOL ("," " SYMBOL")* (" and" " SYMBOL")?``: exactly what the gene-level traces
(``reasoning.gene_steps``) teach.

Works on token ids (a trie of each symbol's tokens per row), so a step costs a walk over the tokens written since
the last opener; the tokenizer's pre-tokenizer must split a symbol from the ``>`` before it and from a leading space
(byte-level BPE does: ``SymbolLists.tries`` checks that each symbol's tokens decode back to it and leaves a symbol
out otherwise).
"""

from __future__ import annotations

from typing import Sequence

#: Token texts that continue a gene list with another symbol.
SEPARATORS = (",", " and")

_END = -1  # the trie key that marks a complete symbol
MAX_CACHED_SETS = 1024  # per-set tries kept (a batch and its retries reuse them)
_TABLES: dict = {}


def _trie(sequences: Sequence[Sequence[int]]) -> dict:
    root: dict = {}
    for seq in sequences:
        node = root
        for t in seq:
            node = node.setdefault(t, {})
        node[_END] = {}
    return root


class SymbolLists:
    """The tokenizer's tables for constraining gene lists: the opener's ids, the separators' ids, which tokens
    would glue onto a symbol (start with a letter, digit or hyphen) and a cache of per-set tries."""

    def __init__(self, tokenizer, opener: str = "<think>"):
        self.tokenizer = tokenizer
        self.opener = tokenizer(opener, add_special_tokens=False)["input_ids"]
        self.separators = set()
        for text in SEPARATORS:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            if len(ids) == 1:  # a multi-token separator cannot be told apart from a symbol's tokens here
                self.separators.add(ids[0])
        self._glue = None
        self._tries: dict[tuple[str, ...], tuple[dict, dict]] = {}

    @classmethod
    def for_tokenizer(cls, tokenizer, opener: str = "<think>") -> "SymbolLists":
        """One instance per tokenizer and opener (its glue table takes a pass over the vocabulary)."""
        key = (id(tokenizer), opener)
        held = _TABLES.get(key)
        if held is None or held[0] is not tokenizer:  # the tokenizer is held, so its id is not reused meanwhile
            held = _TABLES[key] = (tokenizer, cls(tokenizer, opener))
        return held[1]

    def glue(self):
        """A bool tensor over the vocabulary: tokens that, written right after a complete symbol, would extend it
        into a word that is not in the set ("EDN1" + "2")."""
        if self._glue is None:
            import torch

            n = max(len(self.tokenizer), getattr(self.tokenizer, "vocab_size", 0) or 0)
            texts = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
            flags = torch.zeros(n, dtype=torch.bool)
            for i, piece in enumerate(texts):
                text = self.tokenizer.convert_tokens_to_string([piece]) if piece else ""
                flags[i] = bool(text) and (text[0].isalnum() or text[0] == "-")
            self._glue = flags
        return self._glue

    def tries(self, symbols: Sequence[str]) -> tuple[dict, dict]:
        """Tries of the symbols' token ids as the first symbol of a list (right after the opener) and as a later
        one (after a separator, with the leading space). A symbol whose tokens do not round-trip is left out."""
        key = tuple(sorted(set(s for s in symbols if s)))
        if key not in self._tries:
            if len(self._tries) >= MAX_CACHED_SETS:  # a long run meets each set once or twice: keep memory flat
                self._tries.clear()
            encode = lambda texts: self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]  # noqa: E731
            firsts, laters = encode(key), encode(" " + s for s in key) if key else []
            keep_first = [ids for s, ids in zip(key, firsts) if self.tokenizer.decode(ids) == s]
            keep_later = [ids for s, ids in zip(key, laters) if self.tokenizer.decode(ids) == " " + s]
            self._tries[key] = (_trie(keep_first), _trie(keep_later))
        return self._tries[key]


class GeneListProcessor:
    """A ``transformers`` logits processor for one batch: row j's gene lists are constrained to ``symbols[j]``
    (None or empty: that row is free). ``start`` is where the batch's prompts end; an opener that closes the prompt
    (an answer opening ending in ``<think>``) counts, one inside the prompt's instructions does not."""

    def __init__(self, lists: SymbolLists, symbols: Sequence[Sequence[str] | None], start: int):
        self.lists, self.start = lists, start
        self.rows = [lists.tries(s) if s else None for s in symbols]

    def __call__(self, input_ids, scores):
        n_open = len(self.lists.opener)
        for j, tries in enumerate(self.rows):
            if tries is None:
                continue
            ids = input_ids[j, max(0, self.start - n_open):].tolist()
            node = self._state(ids, tries)
            if node is None:
                continue
            children = [t for t in node if t != _END]
            keep = scores[j, children].clone()
            # Inside a symbol only its continuations stay; after a complete one it may also go on (a longer symbol),
            # take a separator or end the list, so only tokens gluing onto it are blocked.
            blocked = self.lists.glue()[: scores.shape[1]].to(scores.device) if _END in node else slice(None)
            scores[j, blocked] = float("-inf")
            scores[j, children] = keep
        return scores

    def _state(self, ids: list[int], tries: tuple[dict, dict]) -> dict | None:
        """The trie node the row is at inside a gene list, or None outside one (before any opener, or after the
        list ended)."""
        opener = self.lists.opener
        n = len(opener)
        last = next((k for k in range(len(ids) - n, -1, -1) if ids[k:k + n] == opener), None)
        if last is None:
            return None
        first, later = tries
        node = first
        for t in ids[last + n:]:
            if t in node:
                node = node[t]
            elif _END in node and t in self.lists.separators:
                node = later
            else:
                return None  # the list ended (or a list the trie cannot follow): the rest of the step is free
        return node if node else None
