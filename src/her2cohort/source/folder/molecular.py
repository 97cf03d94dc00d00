"""Mutation (MAF) and discrete copy-number files -> canonical long tables."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np
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

    Returns ``(calls, samples, warnings)`` (see :class:`CnaMatrix`). polars parses the numbers
    straight into float32 columns; np.nonzero on the genes x samples array finds the calls, so
    nothing is looped over, no string is made per cell and no long table of every cell exists
    (200,000 samples x 500 genes: benchmarks/). sample_id and gene come back as categoricals.
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
        keep = genes.is_first_distinct()
        wide, genes = wide.filter(keep), genes.filter(keep)
    # genes x samples float32 array; the non-zero, non-NA cells in sample-major order (as the
    # matrix is read column by column), ids as categoricals: no string per cell, no long copy
    values = wide.select(samples).to_numpy().T if samples else np.zeros((0, wide.height))
    col, row = np.nonzero((values != 0) & ~np.isnan(values))
    calls = values[col, row]
    del values, wide
    bad = ~np.isin(calls, np.array(sorted(CNA_ALLOWED), dtype=calls.dtype))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{path}: column {samples[col[i]]}, gene {genes[int(row[i])]}: discrete CNA value "
            f"'{float(calls[i]):g}' is not one of -2, -1.5, -1, 0, 1, 2, NA ({int(bad.sum())} such "
            "cells)"
        )
    gene_names = np.asarray(genes.to_list(), dtype=object)
    out = pd.DataFrame(
        {
            "sample_id": _appearance_categorical(np.asarray(samples, dtype=object), col),
            "gene": _appearance_categorical(gene_names, row),
            "value": calls.astype(np.float64),
        }
    )
    return CnaMatrix(out[CNA_COLUMNS], samples, warnings)


def _appearance_categorical(names: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``names[codes]`` as a categorical whose categories are in order of first appearance."""
    used, first = np.unique(codes, return_index=True)
    by_appearance = used[np.argsort(first, kind="stable")]
    remap = np.empty(len(names), dtype=np.int64)
    remap[by_appearance] = np.arange(len(by_appearance))
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(names[by_appearance]))


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
