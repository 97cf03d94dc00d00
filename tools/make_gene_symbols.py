"""Regenerate src/her2cohort/data/gene_symbols.tsv.gz: current human gene symbols and their aliases.

Source: Bioconductor's org.Hs.eg.db (NCBI Gene, human; symbols are HGNC-approved where HGNC has
named the gene), as shipped by Debian's ``r-bioc-org.hs.eg.db`` -- an SQLite file, no network:

    apt-get install r-bioc-org.hs.eg.db
    python tools/make_gene_symbols.py [/usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite]

Output rows (tab-separated, gzip; deterministic: sorted, gzip mtime 0):

* ``kind = current``: every current symbol (gene types other than NCBI's "biological-region");
* ``kind = alias``: every alias or previous symbol that is not itself a current symbol, once per
  gene it names (an alias naming two genes is two rows: ambiguous, resolved only by chromosome or
  by the cohort's ``gene_symbols`` mapping, never guessed).

Columns: symbol, current (the current symbol it resolves to), entrez_id, chromosome, kind.
The provenance (source file, its metadata, sha256, counts) goes to gene_symbols.provenance.json.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
import sys
from pathlib import Path

import pandas as pd

DEFAULT = Path("/usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite")
OUT = Path(__file__).resolve().parents[1] / "src" / "her2cohort" / "data"


def build(sqlite: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    con = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True)
    genes = pd.read_sql(
        "SELECT g._id, g.gene_id AS entrez_id, i.symbol, t.gene_type FROM genes g "
        "JOIN gene_info i ON g._id = i._id JOIN genetype t ON g._id = t._id",
        con,
    )
    genes = genes[genes["gene_type"] != "biological-region"]
    chrom = pd.read_sql("SELECT _id, chromosome FROM chromosomes", con)
    chrom = chrom.groupby("_id")["chromosome"].agg(lambda s: ",".join(sorted(set(s))))
    genes["chromosome"] = genes["_id"].map(chrom).fillna("")
    alias = pd.read_sql("SELECT _id, alias_symbol AS symbol FROM alias", con)
    meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
    con.close()
    current = genes.assign(current=genes["symbol"], kind="current")
    al = alias.merge(
        genes[["_id", "entrez_id", "symbol", "chromosome"]], on="_id", suffixes=("", "_cur")
    )
    al = al[~al["symbol"].isin(set(genes["symbol"]))]
    al = al.rename(columns={"symbol_cur": "current"}).assign(kind="alias")
    cols = ["symbol", "current", "entrez_id", "chromosome", "kind"]
    table = pd.concat([current[cols], al[cols]], ignore_index=True).drop_duplicates()
    table = table.sort_values(["kind", "symbol", "current"], ignore_index=True)
    n_targets = table[table["kind"] == "alias"].groupby("symbol")["current"].nunique()
    prov = {
        "source": "org.Hs.eg.db (Bioconductor), Debian package r-bioc-org.hs.eg.db",
        "source_file": str(sqlite),
        "source_sha256": hashlib.sha256(sqlite.read_bytes()).hexdigest(),
        "source_metadata": {
            k: meta[k] for k in sorted(meta) if k.startswith(("EG", "ORGANISM", "DBSCHEMAVERSION"))
        },
        "generator": "tools/make_gene_symbols.py",
        "n_current": int((table["kind"] == "current").sum()),
        "n_alias_symbols": int(len(n_targets)),
        "n_ambiguous_alias_symbols": int((n_targets > 1).sum()),
    }
    return table, prov


def main() -> None:
    sqlite = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    table, prov = build(sqlite)
    OUT.mkdir(parents=True, exist_ok=True)
    text = table.to_csv(sep="\t", index=False, lineterminator="\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(text)
    (OUT / "gene_symbols.tsv.gz").write_bytes(buf.getvalue())
    prov["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (OUT / "gene_symbols.provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    print(json.dumps(prov, indent=2))


if __name__ == "__main__":
    main()
