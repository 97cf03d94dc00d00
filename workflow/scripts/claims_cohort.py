"""Snakemake script: every registered claim on one cohort (results/{cohort}/claims/evidence.tsv)."""

from pathlib import Path

import pandas as pd

from her2cohort.alterations import load_alterations
from her2cohort.evidence import CohortInputs, evaluate_cohort, load_claims
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run
from her2cohort.source.tables import read_study


def _tsv(path):
    """A TSV that may be empty (a cohort without primary/metastatic pairs writes none)."""
    return read_tsv(path) if Path(path).read_text().strip() else pd.DataFrame()


def main(smk):
    i, p = smk.input, smk.params
    inputs = CohortInputs(
        cohort=smk.wildcards.cohort,
        label=p.label,
        default_rule=p.default_rule,
        zero_one=p.zero_one,
        unit=p.unit,
        clinical=pd.read_parquet(i.clinical).set_index("sample_id"),
        samples={
            r: read_tsv(f).set_index("sample_id")
            for r, f in zip(p.rulesets, i.samples, strict=True)
        },
        categories=pd.read_parquet(i.categories),
        switching=_tsv(i.switching),
        sensitivity=read_tsv(i.sensitivity),
        published_rows=tuple(read_tsv(i.published)["alteration"]),
        survival_claims=_tsv(i.survival_claims) if "survival_claims" in i.keys() else None,
        tables=read_study(i.manifest.rsplit("/", 1)[0]),
        mutation_filter=load_alterations(i.alterations).mutation_filter,
    )
    write_tsv(
        evaluate_cohort(load_claims(i.claims), inputs), smk.output.evidence, float_format="%.6g"
    )


run(main, snakemake)  # noqa: F821
