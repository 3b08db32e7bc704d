#!/usr/bin/env python3
"""Rebuild the binary inputs of the Galaxy tool tests (run from the repository root):

    python test-data/galaxy/make_test_data.py

- test_kb.sqlite: `gener1 kb build` on the sources listed in test-data/pipelines/kb_sources.csv (7 genes);
- tiny_model.zip: a tiny causal LM (gener1_tool.model.load.tiny_model), zipped as Galaxy users upload a
  trained model directory.
Rebuild them when the KB format or the model loader changes (tests/test_pipelines_galaxy.py says so).
"""

import csv
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

TINY_MODEL_TEXTS = ["Process: protein import into peroxisome matrix (0.8)\nReasoning:\n<think>The gene PEX1 has "
                    "function for peroxisome organization.</think>", "PEX1 PEX2 PEX3 PEX5 TP53 MDM2 CDKN1A ATP5F1A"] * 3


def build_kb(target: Path) -> None:
    sheet = ROOT / "test-data" / "pipelines" / "kb_sources.csv"
    rows = list(csv.DictReader(sheet.read_text().splitlines()))
    command = ["gener1", "kb", "build", "-o", str(target)]
    for row in rows:  # paths in the sheet are relative to its folder, as the pipeline reads them
        command += ["--source", f"{row['name']}={(sheet.parent / row['path']).resolve().relative_to(ROOT)}"]
    target.unlink(missing_ok=True)
    subprocess.run(command, check=True, cwd=ROOT)


def build_model_zip(target: Path) -> None:
    from gener1_tool.model.load import tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = tiny_model(Path(tmp) / "tiny", TINY_MODEL_TEXTS, seed=0)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(model_dir).rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(str(path.relative_to(model_dir)), date_time=(2025, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())


def unpack_model(archive: Path, target: Path) -> None:
    """The same model unpacked: the `gener1_models` data table of the tool tests (test-data/gener1_models.loc)."""
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(archive) as source:
        source.extractall(target)


if __name__ == "__main__":
    build_kb(HERE / "test_kb.sqlite")
    build_model_zip(HERE / "tiny_model.zip")
    unpack_model(HERE / "tiny_model.zip", HERE / "tiny_model")
    print("wrote", HERE / "test_kb.sqlite", HERE / "tiny_model.zip", "and", HERE / "tiny_model")
