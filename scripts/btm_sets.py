"""Blood transcription modules (Li et al., Nat Immunol 2014): gene sets with names people wrote.

Why: choosers trained on KB terms are selected on held-out KB sets, and the only out-of-distribution benchmarks (NeST,
MSigDB) must never be used to choose. The BTM names were written by people who looked at each module ("cell cycle
and transcription", "antiviral IFN signature", "enriched in membrane proteins"), not copied from a KB term, which is
what NeST and MSigDB names are like. They are a development set (a chooser that wins on KB sets loses on them) and
training data for a chooser that learns from named sets (`gener1 corpus named-sets`, docs/results.md, section 17).

Source: Debian's r-bioc-qusage (GeneSets.RData, object BTM.geneSets; Artistic-2.0), read without R:
  apt-get download r-bioc-qusage && dpkg -x r-bioc-qusage_*.deb qusage
  python scripts/btm_sets.py qusage/usr/lib/R/site-library/qusage/data/GeneSets.RData -o btm.tsv
Kept: modules with a name ("TBA" ones dropped), not named after a GO term ("(GO)"), not a TF-motif list; module ids
and roman-numeral parts are cut from the names ("extracellular matrix (II) (M2.1)" -> "extracellular matrix").
Writes the benchmark TSV format (ID, Genes, Gene_Count, Term_Description) that `gener1 annotate` and `gener1 evaluate`
read.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

MODULE_ID = re.compile(r"\s*\((?:M|S)\d+(?:\.\d+)?\)\s*$")
PARENTHETICAL = re.compile(r"\s*\([^)]*\)")


def clean_name(raw: str) -> str:
    return re.sub(r"\s+", " ", PARENTHETICAL.sub("", raw)).strip()


def keep(raw: str) -> bool:
    low = raw.lower()
    return not (low.startswith("tba") or "(go)" in low or "tf motif" in low)


def main() -> None:
    import rdata

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rdata", type=Path, help="qusage's data/GeneSets.RData")
    ap.add_argument("-o", "--output", required=True, type=Path)
    args = ap.parse_args()
    if args.output.resolve() == args.rdata.resolve():
        raise SystemExit(f"{args.output}: the output would overwrite the input")
    modules = rdata.conversion.convert(rdata.parser.parse_file(args.rdata))["BTM.geneSets"]
    rows, dropped = [], 0
    for raw, genes in modules.items():
        raw = str(raw)
        ident = MODULE_ID.search(raw)
        if not keep(raw) or not ident:
            dropped += 1
            continue
        symbols = sorted({str(g) for g in genes})
        rows.append((ident.group(0).strip(" ()"), symbols, clean_name(MODULE_ID.sub("", raw))))
    with args.output.open("w", encoding="utf-8") as fh:
        fh.write("ID\tGenes\tGene_Count\tTerm_Description\n")
        for ident, symbols, name in rows:
            fh.write(f"BTM:{ident}\t{' '.join(symbols)}\t{len(symbols)}\t{name}\n")
    print(f"{len(rows)} modules written to {args.output}; {dropped} dropped (TBA, GO-named, TF motifs, no id)")


if __name__ == "__main__":
    main()
