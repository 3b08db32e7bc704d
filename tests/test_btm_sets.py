"""scripts/btm_sets.py: which blood transcription modules become out-of-distribution sets, and their names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "btm_sets.py"


def _load():
    spec = importlib.util.spec_from_file_location("btm_sets", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_names_lose_ids_and_numerals_and_unnamed_or_go_named_modules_are_dropped():
    btm = _load()
    raw = ["extracellular matrix (II) (M2.1)", "Activated (LPS) dendritic cell surface signature (S11)",
           "cell cycle and transcription (M4.0)", "TBA (M99)", "TBA (source: B cells) (M217)",
           "regulation of localization (GO) (M63)", "enriched for TF motif TNCATNTCCYR (M232)"]
    kept = [btm.clean_name(btm.MODULE_ID.sub("", r)) for r in raw if btm.keep(r)]
    assert kept == ["extracellular matrix", "Activated dendritic cell surface signature", "cell cycle and transcription"]
    assert btm.MODULE_ID.search("PLK1 signaling events (M4.2)").group(0).strip(" ()") == "M4.2"
