"""Nothing lost, nothing mixed: every set exactly once across kills and resumes, one writer per folder, and a
resume that refuses another run's folder."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gener1_tool.annotation.config import AnnotateConfig
from gener1_tool.annotation.run import annotate
from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.io import output_lock, truncate_torn_tail

SETS = "".join(f"set{i}\tset {i}\t" + "\t".join(genes) + "\n" for i, genes in enumerate([
    ["PEX1", "PEX2", "PEX3", "PEX5"], ["TP53", "MDM2", "CDKN1A"], ["PEX1", "PEX2"], ["TP53", "MDM2"],
    ["PEX3", "PEX5", "TP53"], ["MDM2", "CDKN1A"], ["PEX1", "TP53"], ["PEX2", "PEX3", "MDM2"]]))
TRAINING_TEXTS = ["Process: peroxisome organization (0.9)\nReasoning:\n<think>PEX1 and PEX2 are peroxins.</think>",
                  "Process: p53 signalling (0.8)\nReasoning:\n<think>TP53 and MDM2 form a loop.</think>"] * 3
OPTIONS = ["--max-new-tokens", "12", "--retries", "1", "--threads", "1", "--batch-size", "1", "--no-report"]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from gener1_tool.model.load import tiny_model

    return tiny_model(tmp_path_factory.mktemp("tiny") / "model", TRAINING_TEXTS, seed=0)


@pytest.fixture
def gmt(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text(SETS)
    return path


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "annotations.jsonl").read_text().splitlines() if line.strip()]


def _answers(out: Path) -> dict:
    return {r["index"]: (r["id"], r["name"], r["raw"], r["status"]) for r in _lines(out)}


def _command(gmt, out, model, kb, *extra):
    return [sys.executable, "-m", "gener1_tool", "annotate", str(gmt), "-o", str(out), "--model", str(model),
            "--kb", str(kb), *OPTIONS, *extra]


def test_killed_runs_resume_to_every_set_exactly_once_with_the_same_answers(gmt, tiny_model_dir, tiny_kb_path,
                                                                             tmp_path):
    whole = tmp_path / "whole"
    started = time.perf_counter()
    subprocess.run(_command(gmt, whole, tiny_model_dir, tiny_kb_path), check=True, capture_output=True)
    uninterrupted = time.perf_counter() - started
    expected = _answers(whole)
    assert sorted(expected) == list(range(8))

    # Three kills - once 2 sets are written, at a random moment (start-up included), once 5 are written - each
    # followed by a resume; the last resume runs to the end. Two kills also leave half a record at the end of the
    # file, as a kill during a write does.
    out, rng, kills, written_at_kill = tmp_path / "killed", random.Random(7), 0, []
    jsonl = out / "annotations.jsonl"
    for attempt, kill_when in enumerate([2, "random", 5, None]):
        proc = subprocess.Popen(_command(gmt, out, tiny_model_dir, tiny_kb_path, *(["--resume"] if attempt else [])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.perf_counter() + (rng.uniform(0.3, 0.95) * uninterrupted if kill_when == "random" else 600)
        while kill_when is not None and proc.poll() is None and time.perf_counter() < deadline:
            if kill_when != "random" and jsonl.exists() and jsonl.read_text().count("\n") >= kill_when:
                break
            time.sleep(0.02)
        if kill_when is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            written_at_kill.append(jsonl.read_text().count("\n") if jsonl.exists() else 0)
            if jsonl.exists() and kill_when != "random":
                with open(jsonl, "a") as fh:
                    fh.write('{"index": 99, "id": "torn", "na')
            continue
        proc.wait()
        assert proc.returncode == 0, proc.stderr.read()
        if kill_when is None:
            break
    assert kills >= 2 and any(0 < n < 8 for n in written_at_kill), written_at_kill
    lines = _lines(out)
    assert sorted(r["index"] for r in lines) == list(range(8))  # each set exactly once: no torn line, no repeat
    assert _answers(out) == expected


def test_a_torn_last_line_is_cut_off_and_that_set_redone(gmt, tiny_kb_path, tmp_path, tiny_model_dir):
    config = AnnotateConfig([gmt], tmp_path / "out", model=str(tiny_model_dir), kb=tiny_kb_path, max_new_tokens=12,
                            retries=1, threads=1, batch_size=1, report=False)
    annotate(config)
    full = _answers(tmp_path / "out")
    jsonl = tmp_path / "out" / "annotations.jsonl"
    text = jsonl.read_text()
    jsonl.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 1] + text.splitlines()[-1][:25])  # tear the last
    result = annotate(AnnotateConfig(**{**config.__dict__, "resume": True}))
    assert result.n_skipped_resume == 7 and result.n_generated >= 1
    assert _answers(tmp_path / "out") == full
    assert len(_lines(tmp_path / "out")) == 8


def test_resume_refuses_another_input_or_other_options_and_says_what_differs(gmt, tiny_kb_path, tmp_path,
                                                                             tiny_model_dir):
    common = dict(model=str(tiny_model_dir), kb=tiny_kb_path, max_new_tokens=12, retries=1, threads=1, report=False)
    out = tmp_path / "out"
    annotate(AnnotateConfig([gmt], out, limit=3, **common))
    other = tmp_path / "other.gmt"
    other.write_text(SETS.replace("PEX5", "PEX6"))
    with pytest.raises(Gener1Error, match=r"cannot --resume.*inputs: sets.gmt \([0-9a-f]+\) then, other.gmt"):
        annotate(AnnotateConfig([other], out, limit=3, resume=True, **common))
    with pytest.raises(Gener1Error, match="cannot --resume.*max_new_tokens: 12 then, 20 now"):
        annotate(AnnotateConfig([gmt], out, limit=3, resume=True, **{**common, "max_new_tokens": 20}))
    assert len(_lines(out)) == 3  # nothing was written by the refused runs
    # the same run, widened to all sets: the first three are kept, the rest written once
    result = annotate(AnnotateConfig([gmt], out, resume=True, **common))
    assert result.n_skipped_resume == 3 and sorted(r["index"] for r in _lines(out)) == list(range(8))


def test_a_record_of_another_run_is_never_taken_for_this_one(gmt, tiny_kb_path, tmp_path, tiny_model_dir):
    common = dict(model=str(tiny_model_dir), kb=tiny_kb_path, max_new_tokens=12, retries=1, threads=1, report=False)
    out = tmp_path / "out"
    annotate(AnnotateConfig([gmt], out, limit=2, **common))
    (out / "annotate_run.json").unlink()  # a folder from before run identities were written
    lines = (out / "annotations.jsonl").read_text().splitlines()
    rec = json.loads(lines[0])
    rec["genes"], rec["fingerprint"] = ["X"], "0" * 20
    (out / "annotations.jsonl").write_text(json.dumps(rec) + "\n" + lines[1] + "\n")
    with pytest.raises(Gener1Error, match=r"record of set #0 \(set0\) was written for other genes"):
        annotate(AnnotateConfig([gmt], out, limit=2, resume=True, **common))


def test_a_second_run_into_the_same_folder_fails_at_once_naming_the_first(gmt, tiny_kb_path, tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom gener1_tool.io import output_lock\n"
                               f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        result = CliRunner().invoke(cli, ["annotate", str(gmt), "-o", str(out), "--kb", str(tiny_kb_path)])
        assert result.exit_code == 1
        assert f"another gener1 run (pid {holder.pid}) is writing to this folder" in " ".join(result.output.split())
        assert time.perf_counter() - started < 5  # at once, not after loading anything
        assert not (out / "annotations.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    # the kernel released the dead holder's lock: the folder is usable again
    with output_lock(out) as lock:
        assert lock.read_text().strip() == str(os.getpid())
    assert not (out / ".gener1.lock").exists()


def test_the_lock_is_per_folder_and_reentrant_across_sequential_runs(tmp_path):
    with output_lock(tmp_path / "a"), output_lock(tmp_path / "b"):
        with pytest.raises(Gener1Error, match="is writing to this folder"):
            with output_lock(tmp_path / "a"):
                pass
    with output_lock(tmp_path / "a"):
        pass


def test_truncate_torn_tail(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n{"c": ')
    assert truncate_torn_tail(path) == len('{"c": ')
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    assert truncate_torn_tail(path) == 0
    path.write_text('{"only": "torn"')
    assert truncate_torn_tail(path) == len('{"only": "torn"') and path.read_text() == ""


def test_hostile_set_ids_write_nothing_outside_the_output_folder(tiny_kb_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sets = tmp_path / "hostile.gmt"
    sets.write_text("../x; $(touch y)\tdesc\tPEX1\tPEX2\n`touch z`\tdesc\tTP53\tMDM2\n")
    before = set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent))
    result = CliRunner().invoke(cli, ["enrich", str(sets), "-o", str(tmp_path / "out"), "--kb", str(tiny_kb_path)])
    assert result.exit_code == 0, result.output
    after = set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent))
    assert after - before == {"out"}
    assert not any(p.name in ("y", "z", "x") for p in tmp_path.rglob("*"))
    assert all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in (tmp_path / "out").rglob("*"))
