"""gener1: name the biological function of gene sets with a small, locally trained reasoning LLM."""

__version__ = "0.1.0"
