"""gener1: name the biological function of gene sets with a small, locally trained reasoning LLM."""

__version__ = "0.1.0"

import os as _os

# Nothing is downloaded at run time: without this, peft looks a built-in base name up on the Hugging Face
# Hub when it saves an adapter (a DNS lookup that fails offline and leaks the query online). Set before
# huggingface_hub is imported, which reads it once; a user who wants the Hub can export HF_HUB_OFFLINE=0.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")

from .hookspecs import hookimpl  # noqa: E402  (plugins write `from gener1_tool import hookimpl`)

__all__ = ["__version__", "hookimpl"]
