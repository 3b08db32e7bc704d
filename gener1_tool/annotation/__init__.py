"""Annotation: name every gene set with a trained model, with evidence, retries, resume and a claim check.

``config`` (what a run is asked), ``run`` (``annotate()``: the run), ``batch`` (the batch loop), ``workers``
(several processes), ``records`` (the JSONL/TSV records, ``gather``), ``claims`` (the claim check), ``report`` (its
HTML). Importing the package is cheap; ``run`` brings pandas and matplotlib.
"""
