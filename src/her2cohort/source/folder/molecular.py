"""Mutation (MAF) and discrete copy-number files -> canonical long tables."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import polars as pl

from her2cohort.errors import DataError
from her2cohort.io import (
    check_field_counts,
    header_columns,
    read_normalized_bytes,
    read_tsv_strings,
    split_comment_header,
)
from her2cohort.source.tables import CNA_COLUMNS, MUTATION_COLUMNS

#: one logger for the whole folder source (its name predates the split into modules)
log = logging.getLogger("her2cohort.source.folder")

#: MAF column -> canonical column
MAF_COLUMNS = {
    "Tumor_Sample_Barcode": "sample_id",
    "Hugo_Symbol": "gene",
    "Entrez_Gene_Id": "entrez_gene_id",
    "Variant_Classification": "variant_classification",
    "Variant_Type": "variant_type",
    "Chromosome": "chromosome",
    "Start_Position": "start_position",
    "End_Position": "end_position",
    "Reference_Allele": "reference_allele",
    "Tumor_Seq_Allele2": "tumor_seq_allele2",
    "HGVSp_Short": "protein_change",
    "Mutation_Status": "mutation_status",
}
MAF_REQUIRED = ("Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification")
CNA_ALLOWED = {-2.0, -1.5, -1.0, 0.0, 1.0, 2.0}
CNA_ID_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")


class CnaMatrix(NamedTuple):
    """A discrete CNA matrix as read by :func:`read_cna_matrix`.

    Attributes
    ----------
    calls : pandas.DataFrame
        Non-zero calls in long form (``CNA_COLUMNS``); sample_id and gene are categoricals.
    samples : list of str
        Every sample column of the matrix, in file order (the samples profiled for CNA).
    warnings : list of str
        Unusual but valid content, counted (duplicated gene rows).
    """

    calls: pd.DataFrame
    samples: list[str]
    warnings: list[str]


def read_maf(path: Path) -> pd.DataFrame:
    frame, _ = read_tsv_strings(path)
    missing = [c for c in MAF_REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: MAF lacks required column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {canon: frame[col] if col in frame else pd.NA for col, canon in MAF_COLUMNS.items()}
    )
    out["protein_change"] = out["protein_change"].astype("string").str.removeprefix("p.")
    return out[MUTATION_COLUMNS].astype("string")


def read_cna_matrix(path: Path) -> CnaMatrix:
    """Read a discrete CNA gene x sample matrix into long form (non-zero calls only).

    Returns ``(calls, samples)``: the long table (sample_id, gene, value) and the list of samples
    in the matrix (see :class:`CnaMatrix`). polars
    parses the numbers straight into a float32 genes x samples array; np.nonzero finds the calls,
    so nothing is looped over and no string is made per cell (200,000 samples x 500 genes: see
    benchmarks/bench_scale.py). sample_id and gene come back as categoricals.
    """
    comments, body = split_comment_header(read_normalized_bytes(path))
    header = header_columns(body, path)
    check_field_counts(body, path, len(comments) + 1)
    if "Hugo_Symbol" not in header:
        raise DataError(f"{path}: discrete CNA matrix has no Hugo_Symbol column")
    samples = [c for c in header if c not in CNA_ID_COLUMNS]
    schema = {c: (pl.Utf8 if c in CNA_ID_COLUMNS else pl.Float32) for c in header}
    try:
        wide = pl.read_csv(
            io.BytesIO(body),
            separator="\t",
            schema=schema,
            has_header=True,
            null_values=["NA", "", "NaN", "nan"],
            quote_char=None,
        )
    except pl.exceptions.PolarsError:
        _raise_bad_cna_cell(path, body, samples)
        raise
    # A gene on several rows: the first row is the gene's call, the later rows are dropped whole
    # (before zeros are, so a later non-zero row never overrides a first row of 0).
    genes = wide.get_column("Hugo_Symbol").str.strip_chars()
    warnings = []
    if genes.is_duplicated().any():
        dropped = genes.filter(~genes.is_first_distinct())
        names = ", ".join(sorted(set(dropped.to_list()))[:10])
        warnings.append(
            f"{path.name}: {dropped.len()} duplicated gene row(s) dropped, the first row of each "
            f"gene kept ({names})"
        )
        log.warning("%s", warnings[-1])
        wide = wide.filter(genes.is_first_distinct())
    long = (
        wide.lazy()
        .select(["Hugo_Symbol", *samples])
        .unpivot(index="Hugo_Symbol", variable_name="sample_id", value_name="value")
        .filter(pl.col("value").is_not_null() & (pl.col("value") != 0))
        .with_columns(pl.col("Hugo_Symbol").str.strip_chars().alias("gene"))
        .collect()
    )
    bad = long.filter(~pl.col("value").is_in(sorted(CNA_ALLOWED)))
    if bad.height:
        row = bad.row(0, named=True)
        raise DataError(
            f"{path}: column {row['sample_id']}, gene {row['gene']}: discrete CNA value "
            f"'{row['value']:g}' is not one of -2, -1.5, -1, 0, 1, 2, NA ({bad.height} such cells)"
        )
    out = long.select(
        pl.col("sample_id").cast(pl.Categorical),
        pl.col("gene").cast(pl.Categorical),
        pl.col("value").cast(pl.Float64),
    ).to_pandas()
    return CnaMatrix(out[CNA_COLUMNS], samples, warnings)


def _raise_bad_cna_cell(path: Path, body: bytes, samples: list[str]) -> None:
    """Find the first non-numeric cell of a CNA matrix and raise a DataError naming it."""
    wide = pl.read_csv(io.BytesIO(body), separator="\t", infer_schema=False, quote_char=None)
    for col in samples:
        raw = wide.get_column(col).str.strip_chars()
        num = raw.cast(pl.Float64, strict=False)
        bad = raw.is_not_null() & ~raw.is_in(["", "NA", "NaN", "nan"]) & num.is_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            raise DataError(
                f"{path}: column {col}, gene {wide.get_column('Hugo_Symbol')[row]}: discrete CNA value "
                f"{raw[row]!r} is not one of -2, -1.5, -1, 0, 1, 2, NA"
            )
