"""Snakemake script: the sample x alteration matrix (1 altered / 0 unaltered / NA not profiled)."""

from pathlib import Path

from her2cohort.alterations import alteration_tables, load_alterations
from her2cohort.io import write_parquet, write_tsv
from her2cohort.runner import run
from her2cohort.source.tables import read_study


def main(smk):
    tables = read_study(Path(smk.input.study[0]).parent)
    result = alteration_tables(tables, load_alterations(smk.input.definitions))
    for note in result.notes:
        print(f"note: {note}")
    write_tsv(result.calls, smk.output.calls)
    write_tsv(result.summary, smk.output.summary)
    write_parquet(result.matrix, smk.output.matrix)


run(main, snakemake)  # noqa: F821
