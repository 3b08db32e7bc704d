"""Training corpora, built from the KB and the evidence: ``knowledge`` (warm-up sentences), ``task_alignment``
(gene set → gold name pairs with leakage control and term-level splits) and ``reasoning`` (teacher traces kept by
reward)."""
