"""Evaluation: ROUGE, semantic similarity (``similarity`` encoders), format compliance, statistics, percentile
rank — ``inputs`` (predictions and gold), ``metrics``, ``evaluate`` (the run and its files), ``report`` (its HTML)."""
