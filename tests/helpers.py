"""Test helpers shared by several test modules (not fixtures: plain importable code)."""

from __future__ import annotations

import hashlib

import numpy as np

from gener1_tool.similarity import encoders as enc_mod


class HashingEncoder(enc_mod.Encoder):
    """Bag of hashed words: deterministic, model-free, and counts how often it really embeds."""

    def __init__(self, name="hashing", dim=64, salt=""):
        super().__init__()
        self.name, self.dim, self.salt, self.calls, self.embedded = name, dim, salt, 0, 0

    def _load(self):
        return "model"

    def _embed(self, model, texts):
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in (text.lower().split() or [""]):
                out[i, int(hashlib.md5((self.salt + word).encode()).hexdigest(), 16) % self.dim] += 1.0
        return out
