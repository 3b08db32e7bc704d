"""Sentence-encoder plugins and semantic similarity: one owner for the encoders that rewards, corpus filters and
evaluation all score with."""

from .encoders import DEFAULT_ENCODERS, Encoder, available_encoders, get_encoder, similarity

__all__ = ["DEFAULT_ENCODERS", "Encoder", "available_encoders", "get_encoder", "similarity"]
