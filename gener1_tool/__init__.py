"""gener1: name the biological function of gene sets with a small, locally trained reasoning LLM."""

__version__ = "0.1.0"

from .hookspecs import hookimpl  # noqa: E402  (plugins write `from gener1_tool import hookimpl`)

__all__ = ["__version__", "hookimpl"]
