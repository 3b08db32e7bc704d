"""Classical enrichment beside the LLM.

- ``batch``      the batch ORA engine (sparse gene×term matrices, exact vectorised hypergeometric tail,
                 gseapy's statistics) and ``hypergeom`` (the tail itself);
- ``methods``    enrichment-method plugins (built-ins ``ora`` and ``gseapy``) and ``results`` (their tables);
- ``run``        ``enrich()`` / ``run_enrichment()``: what ``gener1 enrich`` runs, and ``plots`` (dot plots);
- ``libraries``  KB libraries as matrices, shared by evidence and baselines;
- ``evidence``   THE evidence bundle (and its ranked candidate terms) that teachers, training data and
                 annotation read, built from the same ORA the enrichment table shows;
- ``baselines``  lookup baselines (``enrich-top1``, ``nearest``) for ``gener1 baseline``.
"""
