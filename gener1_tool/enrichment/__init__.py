"""Classical enrichment beside the LLM.

- ``batch``      the batch ORA engine (sparse gene×term matrices, exact vectorised hypergeometric tail,
                 gseapy's statistics) and ``hypergeom`` (the tail itself);
- ``methods``    enrichment-method plugins (built-ins ``ora`` and ``gseapy``) and ``results`` (their tables);
- ``run``        ``enrich()`` / ``run_enrichment()``: what ``gener1 enrich`` runs, and ``plots`` (dot plots);
- ``evidence``   THE evidence bundle the grounded teacher and grounded annotation read;
- ``baselines``  lookup baselines (``enrich-top1``, ``nearest``) for ``gener1 baseline``.
"""

from __future__ import annotations


def __getattr__(name: str):
    # Lazy, so that registering the method plugins does not import pandas/matplotlib-heavy modules twice.
    if name in ("enrich", "run_enrichment"):
        from . import run

        return getattr(run, name)
    raise AttributeError(name)
