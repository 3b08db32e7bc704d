"""The chooser's network (``model.chooser``): scores each candidate of a padded batch of lists, (n, L, D) → (n, L).

Kept apart from ``model.chooser`` so that torch is imported only when a chooser is loaded or trained.

- ``"mlp"``: each candidate scored alone from its features and embedding blocks (the list is seen only through the
  list features and the mean embedding).
- ``"attention"``: one self-attention layer over the list first, so a candidate's score can depend on which other
  names stand beside it (its parent, a more specific sibling).
- ``Ensemble``: the mean score of several such networks trained from different seeds.
Five attention networks choose better than the shipped single MLP on held-out GO task sets and the GO benchmarks, but
leave top-1 for three quarters of the NeST/MSigDB sets and lose there (docs/results.md, section 16), so the shipped
chooser stays one MLP; a version-1 chooser file is that MLP's bare layers (``Chooser.load`` reads both).
"""

from __future__ import annotations

import torch
import torch.nn as nn


class ListScorer(nn.Module):
    def __init__(self, in_dim: int, hidden: int, architecture: str = "mlp", dropout: float = 0.1, heads: int = 4):
        super().__init__()
        self.architecture = architecture  # one of model.chooser.ARCHITECTURES (checked where a config is read)
        if architecture == "mlp":
            self.score = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, 1))
        elif architecture == "attention":
            self.embed = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout))
            self.attend = nn.MultiheadAttention(hidden, heads if hidden % heads == 0 else 1, dropout=dropout,
                                                batch_first=True)
            self.norm = nn.LayerNorm(hidden)
            self.score = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Linear(hidden, 1))
        else:
            raise ValueError(f"unknown chooser architecture {architecture!r}")

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.architecture == "mlp":
            return self.score(x).squeeze(-1)
        z = self.embed(x)
        seen, _ = self.attend(z, z, z, key_padding_mask=~mask, need_weights=False)
        return self.score(torch.cat([z, self.norm(z + seen)], -1)).squeeze(-1)


class Ensemble(nn.Module):
    def __init__(self, members: list[ListScorer]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x, mask) for m in self.members]).mean(0)


def build_network(in_dim: int, hidden: int, architecture: str = "mlp", members: int = 1) -> Ensemble:
    return Ensemble([ListScorer(in_dim, hidden, architecture) for _ in range(members)])
