"""Classical enrichment beside the LLM: the batch ORA engine, enrichment-method plugins, evidence bundles
and lookup baselines. See ``run.py`` for ``enrich()`` (what ``gener1 enrich`` calls)."""
