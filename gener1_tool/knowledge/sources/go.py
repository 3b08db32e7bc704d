"""Gene Ontology terms and structure: Bioconductor GO.db SQLite, or an OBO file (go-basic.obo / go.obo)."""

from __future__ import annotations

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_lines, open_sqlite

NAMESPACE_LIBRARY = {
    "biological_process": ("GO_BP", "process"), "BP": ("GO_BP", "process"), "P": ("GO_BP", "process"),
    "molecular_function": ("GO_MF", "function"), "MF": ("GO_MF", "function"), "F": ("GO_MF", "function"),
    "cellular_component": ("GO_CC", "component"), "CC": ("GO_CC", "component"), "C": ("GO_CC", "component"),
}
RELATION_NAMES = {
    "isa": "is_a", "is_a": "is_a", "part of": "part_of", "part_of": "part_of", "regulates": "regulates",
    "positively regulates": "positively_regulates", "positively_regulates": "positively_regulates",
    "negatively regulates": "negatively_regulates", "negatively_regulates": "negatively_regulates",
}


class GODbSqlite(KnowledgeSource):
    name = "go_db"
    description = "GO terms, definitions and is_a/part_of/regulates edges from Bioconductor GO.db (GO.sqlite)"
    relations = ("ontology",)
    licence = "CC BY 4.0 (Gene Ontology); Artistic-2.0 (GO.db packaging)"
    formats = "GO.db extdata/GO.sqlite"

    def _connect(self):
        return open_sqlite(self.require_path(), "go_term", "Bioconductor GO.db")

    def version(self):
        db = self._connect()
        rows = dict(db.execute("SELECT map_name, source_date FROM map_metadata WHERE source_name LIKE 'Gene Ontology%'")
                    .fetchall())
        meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
        date = next(iter(rows.values()), None) or meta.get("GOSOURCEDATE") or None
        return (f"GO {date}" if date else None), date

    def load(self, writer) -> dict:
        db = self._connect()
        writer.add_terms(
            (go_id, term, *NAMESPACE_LIBRARY[ont], definition)
            for go_id, term, ont, definition in db.execute("SELECT go_id, term, ontology, definition FROM go_term")
            if ont in NAMESPACE_LIBRARY
        )
        edges = 0
        for ont in ("bp", "mf", "cc"):
            rows = db.execute(
                f"SELECT c.go_id, p.go_id, r.relationship_type FROM go_{ont}_parents r "
                "JOIN go_term c ON c._id = r._id JOIN go_term p ON p._id = r._parent_id")
            batch = [(c, p, RELATION_NAMES.get(rel, rel.replace(" ", "_"))) for c, p, rel in rows]
            writer.add_parents(batch)
            edges += len(batch)
        return self.detail(edges=edges)


class GOObo(KnowledgeSource):
    name = "go_obo"
    description = "GO terms and edges from an OBO 1.2 file (go-basic.obo, go.obo)"
    relations = ("ontology",)
    licence = "CC BY 4.0 (Gene Ontology)"
    formats = "OBO 1.2"

    def version(self):
        path = self.require_path()
        version = date = None
        for _, line in iter_lines(path):
            if line.startswith("[Term]"):
                break
            if line.startswith("data-version:"):
                version = line.split(":", 1)[1].strip()
                date = version.replace("releases/", "")
        return version, date

    def load(self, writer) -> dict:
        # Hand-written: a streaming stanza reader keeps exact line numbers for errors; the OBO
        # libraries (pronto, obonet) load the whole graph and report none.
        path = self.require_path()
        terms, edges = [], []
        stanza: dict | None = None
        obsolete = 0
        saw_header = False

        def flush():
            nonlocal obsolete
            if stanza is None:
                return
            if stanza.get("is_obsolete"):
                obsolete += 1
                return
            if "id" not in stanza or "name" not in stanza or "namespace" not in stanza:
                self.bad_line(stanza["line"], "[Term] stanza without id, name or namespace")
                return
            if stanza["namespace"] not in NAMESPACE_LIBRARY:
                self.bad_line(stanza["line"], f"unknown GO namespace {stanza['namespace']!r}")
                return
            library, relation = NAMESPACE_LIBRARY[stanza["namespace"]]
            terms.append((stanza["id"], stanza["name"], library, relation, stanza.get("def")))
            edges.extend((stanza["id"], parent, rel) for parent, rel in stanza["parents"])

        for line_no, line in iter_lines(path):
            line = line.strip()
            if not line or line.startswith("!"):
                continue
            if line.startswith("["):
                flush()
                stanza = {"line": line_no, "parents": []} if line == "[Term]" else None
                saw_header = True
                continue
            if stanza is None:
                continue
            if ":" not in line:
                self.bad_line(line_no, f"expected 'tag: value', got {line[:60]!r}")
                continue
            tag, value = (s.strip() for s in line.split(":", 1))
            value = value.split(" ! ", 1)[0].strip()
            if tag in ("id", "name", "namespace"):
                stanza[tag] = value
            elif tag == "def":
                stanza["def"] = value.split('"')[1] if value.count('"') >= 2 else value
            elif tag == "is_obsolete" and value == "true":
                stanza["is_obsolete"] = True
            elif tag == "is_a":
                stanza["parents"].append((value.split()[0], "is_a"))
            elif tag == "relationship":
                parts = value.split()
                if len(parts) < 2:
                    self.bad_line(line_no, f"relationship without a target: {value!r}")
                    continue
                if parts[0] in RELATION_NAMES:
                    stanza["parents"].append((parts[1], RELATION_NAMES[parts[0]]))
        flush()
        if not saw_header or not terms:
            raise Gener1Error("no [Term] stanzas found; is this an OBO file?", path=path)
        writer.add_terms(terms)
        writer.add_parents(edges)
        return self.detail(terms=len(terms), edges=len(edges), obsolete_skipped=obsolete)
