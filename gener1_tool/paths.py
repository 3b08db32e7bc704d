"""Where gener1 keeps caches: fetched source data, converted base models, the default KB.

One root, ``$GENER1_HOME`` (default ``~/.cache/gener1``), so containers and clusters can point it at a
shared, documented path.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("GENER1_HOME", Path.home() / ".cache" / "gener1")).expanduser()


def data_dir() -> Path:
    """Raw source data fetched by `gener1 kb fetch` (Debian packages unpacked here)."""
    return home() / "data"


def default_kb_path() -> Path:
    return home() / "kb" / "default.sqlite"


def models_dir() -> Path:
    return home() / "models"
