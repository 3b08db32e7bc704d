"""The language model: ``load`` (built-in bases, local directories, LoRA adapters, GGUF conversion, the tiny test
model) and ``generate`` (batched generation with a shared-prefix cache and stop rules). Importing is cheap: torch
and transformers load when a model does."""
