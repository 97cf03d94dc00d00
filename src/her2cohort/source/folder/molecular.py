"""Mutation (MAF) and discrete copy-number files -> canonical long tables."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.io import (
    check_field_counts,
    header_columns,
    read_normalized_bytes,
    read_tsv_strings,
    split_comment_header,
)
from her2cohort.source.folder.cna_tokens import parse_cells
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

    Returns ``(calls, samples, warnings)`` (see :class:`CnaMatrix`). The cells are tokenised with
    numpy (:mod:`.cna_tokens`): no column object per sample, no string per cell and no long table
    of every cell, so a 200,000-sample x 500-gene matrix stays well under 1 GB (benchmarks/).
    sample_id and gene come back as categoricals.
    """
    comments, body = split_comment_header(read_normalized_bytes(path))
    header = header_columns(body, path)
    check_field_counts(body, path, len(comments) + 1)
    if "Hugo_Symbol" not in header:
        raise DataError(f"{path}: discrete CNA matrix has no Hugo_Symbol column")
    first_value = next((i for i, c in enumerate(header) if c not in CNA_ID_COLUMNS), len(header))
    if any(c in CNA_ID_COLUMNS for c in header[first_value:]):
        raise DataError(
            f"{path}: the gene id columns ({', '.join(CNA_ID_COLUMNS)}) must come first"
        )
    samples = header[first_value:]
    newline = body.find(b"\n")
    cells = parse_cells(body[newline + 1 :] if newline >= 0 else b"", first_value, len(header))
    genes = [ids[header.index("Hugo_Symbol")] for ids in cells.id_fields]
    allowed = np.isin(cells.value, np.array(sorted(CNA_ALLOWED)))
    if cells.bad is not None or not allowed.all():
        if cells.bad is not None:
            row, col, token = cells.bad
        else:
            i = int(np.argmin(allowed))
            row, col, token = int(cells.row[i]), int(cells.col[i]), f"{cells.value[i]:g}"
        raise DataError(
            f"{path}: column {samples[col]}, gene {genes[row]}: discrete CNA value '{token}' is not "
            f"one of -2, -1.5, -1, 0, 1, 2, NA ({cells.n_bad + int((~allowed).sum())} such cells)"
        )
    # A gene on several rows: the first row is the gene's call, the later rows are dropped whole
    # (a later non-zero row never overrides a first row of 0).
    gene_names = np.asarray(genes, dtype=object)
    first = ~pd.Series(gene_names).duplicated().to_numpy()
    warnings = []
    if not first.all():
        dropped = gene_names[~first]
        names = ", ".join(sorted(set(dropped.tolist()))[:10])
        warnings.append(
            f"{path.name}: {len(dropped)} duplicated gene row(s) dropped, the first row of each "
            f"gene kept ({names})"
        )
        log.warning("%s", warnings[-1])
    keep = first[cells.row] if len(gene_names) else np.zeros(0, dtype=bool)
    row, col, value = cells.row[keep], cells.col[keep], cells.value[keep]
    order = np.lexsort((row, col))  # sample-major, as the matrix reads column by column
    row, col, value = row[order], col[order], value[order]
    out = pd.DataFrame(
        {
            "sample_id": _appearance_categorical(np.asarray(samples, dtype=object), col),
            "gene": _appearance_categorical(gene_names, row),
            "value": value.astype(np.float64),
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
