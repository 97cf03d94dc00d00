"""Snakemake script: the sample x alteration matrix (1 altered / 0 unaltered / NA not profiled)."""

from pathlib import Path

from her2cohort.alterations import alteration_matrix, load_alterations, profile_availability
from her2cohort.io import write_parquet, write_tsv
from her2cohort.runner import run
from her2cohort.source.tables import read_study


def main(smk):
    tables = read_study(Path(smk.input.study[0]).parent)
    alts = load_alterations(smk.input.definitions)
    matrix, calls, notes = alteration_matrix(tables, alts)
    for note in notes:
        print(f"note: {note}")
    avail = profile_availability(tables)
    summary = alts.table()
    values = matrix[summary["alteration"]]
    summary["n_altered"] = (values == 1).sum().to_numpy()
    summary["n_profiled"] = values.notna().sum().to_numpy()
    summary["n_not_profiled"] = values.isna().sum().to_numpy()
    summary["profiles_in_study"] = ",".join(k for k, v in avail.items() if v)
    summary["notes"] = "; ".join(notes)
    write_tsv(calls, smk.output.calls)
    write_tsv(summary, smk.output.summary)
    write_parquet(matrix, smk.output.matrix)


run(main, snakemake)  # noqa: F821
