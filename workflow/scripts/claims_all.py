"""Snakemake script: the evidence table across cohorts (results/claims.tsv) and its forest figure."""

import pandas as pd

from her2cohort.evidence import evaluate_published, load_claims
from her2cohort.figures.claims import claims_forest
from her2cohort.figures.style import save
from her2cohort.io import read_tsv, write_tsv
from her2cohort.runner import run


def main(smk):
    claims = load_claims(smk.input.claims)
    frames = [evaluate_published(claims, read_tsv(smk.input.published))]
    frames += [read_tsv(f) for f in smk.input.evidence]
    table = pd.concat(frames, ignore_index=True)
    order = {c.id: k for k, c in enumerate(claims)}
    table = table.sort_values("claim_id", key=lambda s: s.map(order), kind="stable")
    write_tsv(table, smk.output.tsv, float_format="%.6g")
    save(claims_forest(table, smk.params.labels), smk.output.forest, smk.output.forest_svg)


run(main, snakemake)  # noqa: F821
