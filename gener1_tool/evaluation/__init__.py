"""Evaluation: ROUGE, semantic similarity with encoder plugins, format compliance, statistics, percentile rank.

``encoders`` is importable on its own (training rewards and the reasoning filter use it without the rest).
"""

from .encoders import DEFAULT_ENCODERS, Encoder, available_encoders, get_encoder, similarity

__all__ = ["DEFAULT_ENCODERS", "Encoder", "available_encoders", "get_encoder", "similarity"]
