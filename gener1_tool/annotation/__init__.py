"""Annotation: batched generation with a trained model, retries, resume, claim checking against the KB."""
