"""`gener1 kb fetch`: get the embedded default's raw data from Debian's Bioconductor packages.

The default human KB is built from files that ship inside Debian packages (reachable wherever apt is):
``r-bioc-go.db`` (GO.sqlite), ``r-bioc-org.hs.eg.db`` (org.Hs.eg.sqlite) and ``r-bioc-gsvadata``
(MSigDB C2 2011: Reactome, KEGG, BioCarta sets). They depend on R; we never install them: apt downloads
the .deb with a private sources list and private state/cache dirs (nothing in /etc/apt changes), and
``dpkg -x`` unpacks it. KEGG 2021 (Enrichr) comes from the PyPI package blitzgsea when installed.
This is set-up, not run time: building, annotating and testing never touch the network.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..errors import Gener1Error
from .. import paths

PACKAGES = {
    "r-bioc-go.db": ["usr/lib/R/site-library/GO.db/extdata/GO.sqlite"],
    "r-bioc-org.hs.eg.db": ["usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite"],
    "r-bioc-gsvadata": ["usr/lib/R/site-library/GSVAdata/data/c2BroadSets.RData"],
}
# Newest first: trixie carries Bioconductor 3.20 (GO/NCBI 2024-09), bookworm 3.16 (2022).
SUITES = ("trixie", "bookworm")
C2_COLLECTIONS = ("REACTOME", "KEGG", "BIOCARTA")
MANIFEST = "manifest.json"


def _mirror() -> str:
    """The Debian mirror the machine's own apt lists use (no other host is reachable)."""
    for f in sorted(Path("/etc/apt").glob("sources.list.d/*")) + [Path("/etc/apt/sources.list")]:
        if not f.is_file():
            continue
        for m in re.finditer(r"(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s*)?)(https?://\S+)", f.read_text()):
            uri = m.group(1).rstrip("/")
            if "security" not in uri and uri.endswith("/debian"):
                return uri
    return "http://deb.debian.org/debian"


def _apt_download(packages: list[str], suite: str, workdir: Path) -> list[Path]:
    state = workdir / f"apt-{suite}"
    for sub in ("lists/partial", "cache/archives/partial"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    sources = state / "sources.list"
    sources.write_text(f"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {_mirror()} {suite} main\n")
    opts = ["-o", f"Dir::Etc::SourceList={sources}", "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={state / 'lists'}", "-o", f"Dir::Cache={state / 'cache'}",
            "-o", "Dir::State::status=/var/lib/dpkg/status", "-o", "APT::Sandbox::User=root", "-q"]
    debs = workdir / "debs"
    debs.mkdir(exist_ok=True)
    for cmd in (["apt-get", *opts, "update"], ["apt-get", *opts, "download", *packages]):
        done = subprocess.run(cmd, cwd=debs, capture_output=True, text=True)
        if done.returncode != 0:
            raise Gener1Error(f"`{' '.join(cmd[:1] + cmd[-len(packages) - 1:] if 'download' in cmd else cmd[:1] + ['update'])}` "
                              f"failed for Debian {suite}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return sorted(debs.glob("*.deb"))


def fetch_default_data(dest: str | Path | None = None, *, suites: tuple[str, ...] = SUITES, force: bool = False,
                       progress: Callable[[str], None] = lambda msg: None) -> dict:
    """Download and unpack the default KB's source files into ``dest``; return the manifest."""
    dest = Path(dest) if dest else paths.data_dir()
    manifest_path = dest / MANIFEST
    if manifest_path.exists() and not force:
        manifest = json.loads(manifest_path.read_text())
        if all((dest / f).exists() for f in manifest.get("files", {})):
            progress(f"default data already present in {dest} (use --force to fetch again)")
            return manifest
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise Gener1Error(f"`{tool}` not found: `gener1 kb fetch` needs a Debian-based system. Elsewhere, build "
                              "the KB from your own files with `gener1 kb build --source go_obo=go-basic.obo "
                              "--source gene_info=Homo_sapiens.gene_info.gz --source gene2go=gene2go.gz ...`")
    dest.mkdir(parents=True, exist_ok=True)
    errors = []
    with tempfile.TemporaryDirectory(prefix="gener1-fetch-") as tmp:
        tmp = Path(tmp)
        for suite in suites:
            try:
                progress(f"downloading {', '.join(PACKAGES)} from Debian {suite}")
                debs = _apt_download(list(PACKAGES), suite, tmp / suite)
                break
            except Gener1Error as exc:
                errors.append(str(exc))
        else:
            raise Gener1Error("could not download the default data: " + " | ".join(errors))
        manifest = {"suite": suite, "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "packages": {}, "files": {}}
        unpacked = tmp / "x"
        for deb in debs:
            name, version = deb.name.split("_")[:2]
            manifest["packages"][name] = version.replace("%3a", ":")
            subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True)
        for package, files in PACKAGES.items():
            for rel in files:
                src = unpacked / rel
                if not src.exists():
                    raise Gener1Error(f"{package} did not contain {rel}")
                if src.suffix == ".RData":
                    progress("converting MSigDB C2 (GSVAdata) to GMT")
                    for collection, gmt in _c2_to_gmt(src, dest).items():
                        manifest["files"][gmt.name] = {"package": package, "sha256": _sha256(gmt),
                                                       "collection": f"MSigDB C2 {collection} (2011, Entrez ids)"}
                else:
                    shutil.copyfile(src, dest / src.name)
                    manifest["files"][src.name] = {"package": package, "sha256": _sha256(dest / src.name)}
    kegg = _blitzgsea_kegg(dest)
    if kegg:
        manifest["files"][kegg.name] = {"package": "blitzgsea (PyPI)", "sha256": _sha256(kegg),
                                        "collection": "Enrichr KEGG_2021_Human"}
    manifest_path.write_text(json.dumps(manifest, indent=2))
    progress(f"default data in {dest}")
    return manifest


def _c2_to_gmt(rdata_path: Path, dest: Path) -> dict[str, Path]:
    """GSVAdata's c2BroadSets (a GSEABase GeneSetCollection) → one GMT per collection, Entrez ids."""
    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdata warns for every S4 class it has no constructor for
        sets = rdata.read_rda(str(rdata_path))["c2BroadSets"]
    out: dict[str, list[str]] = {c: [] for c in C2_COLLECTIONS}
    for gs in sets:
        name = str(gs.setName[0])
        collection = name.split("_", 1)[0]
        if collection in out:
            genes = [str(g) for g in gs.geneIds]
            out[collection].append("\t".join([name, str(gs.shortDescription[0]), *genes]))
    files = {}
    for collection, lines in out.items():
        path = dest / f"C2_{collection}.gmt"
        path.write_text("\n".join(lines) + "\n")
        files[collection] = path
    return files


def _blitzgsea_kegg(dest: Path) -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("blitzgsea")
    except ImportError:
        return None
    if spec is None or spec.origin is None:
        return None
    src = Path(spec.origin).parent / "data" / "KEGG_2021_Human"
    if not src.exists():
        return None
    target = dest / "KEGG_2021_HUMAN.gmt"
    shutil.copyfile(src, target)
    return target


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
