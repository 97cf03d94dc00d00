"""Who was profiled, on which panel: gene panel matrix and definitions, case lists."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from her2cohort.errors import DataError
from her2cohort.io import read_tsv_strings
from her2cohort.source.folder.meta import is_gene_panel_file, parse_meta
from her2cohort.source.tables import CASE_LIST_COLUMNS, PANEL_COLUMNS, PROFILE_COLUMNS, empty


class FilesRead(NamedTuple):
    """A canonical table built from several files, and those files.

    Attributes
    ----------
    table : pandas.DataFrame
        The canonical table (empty, with its columns, when no file had rows).
    files : list of Path
        The files read, for the manifest's inputs.
    """

    table: pd.DataFrame
    files: list[Path]


def read_gene_panel_matrix(path: Path) -> pd.DataFrame:
    frame, _ = read_tsv_strings(path)
    if "SAMPLE_ID" not in frame.columns:
        raise DataError(f"{path}: gene panel matrix has no SAMPLE_ID column")
    long = frame.melt(id_vars="SAMPLE_ID", var_name="profile_column", value_name="panel_id")
    return long.rename(columns={"SAMPLE_ID": "sample_id"})


def read_gene_panel_file(path: Path) -> pd.DataFrame:
    meta = parse_meta(path)
    if "stable_id" not in meta or "gene_list" not in meta:
        raise DataError(f"{path}: gene panel file needs stable_id and gene_list")
    genes = [g for g in meta["gene_list"].replace("\t", " ").split() if g]
    return pd.DataFrame({"panel_id": meta["stable_id"], "gene": genes}, columns=PANEL_COLUMNS)


def read_case_lists(folder: Path) -> FilesRead:
    """Every case list file in `folder` (``case_lists/``) as (case list, category, sample) rows.

    Returns
    -------
    FilesRead
        ``(table, files)``: the ``CASE_LIST_COLUMNS`` table and the files read.
    """
    rows = []
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    for path in files:
        meta = parse_meta(path)
        if "stable_id" not in meta:
            raise DataError(f"{path}: case list has no stable_id")
        ids = [s for s in meta.get("case_list_ids", "").replace("\t", " ").split() if s]
        for sid in ids:
            rows.append((meta["stable_id"], meta.get("case_list_category", ""), sid))
    if not rows:
        return FilesRead(empty(CASE_LIST_COLUMNS), files)
    return FilesRead(pd.DataFrame(rows, columns=CASE_LIST_COLUMNS).astype("string"), files)


def read_panels(root: Path, panel_dirs: list[str | Path]) -> FilesRead:
    """Gene panel definitions in the study folder, its gene_panels/ and `panel_dirs`.

    Returns
    -------
    FilesRead
        ``(table, files)``: (panel_id, gene) rows without duplicates, and the panel files used.
    """
    candidates = [p for p in sorted(root.glob("data_gene_panel*.txt")) if "matrix" not in p.name]
    candidates += (
        sorted((root / "gene_panels").glob("*.txt")) if (root / "gene_panels").is_dir() else []
    )
    for extra in panel_dirs:
        if Path(extra).is_dir():
            candidates += sorted(Path(extra).glob("*.txt"))
    frames, used = [], []
    for path in candidates:
        if is_gene_panel_file(path):
            frames.append(read_gene_panel_file(path))
            used.append(path)
    if not frames:
        return FilesRead(empty(PANEL_COLUMNS), used)
    panels = pd.concat(frames, ignore_index=True).drop_duplicates()
    return FilesRead(panels.astype("string"), used)


def profiled_samples(
    sample_ids: pd.Series,
    panel_matrix: pd.DataFrame | None,
    profile_ids: dict[str, str],
    case_lists: pd.DataFrame,
    cna_samples: list[str],
    has_mutations: bool,
    has_sv: bool,
) -> pd.DataFrame:
    """Which samples each profile covers, and on which panel (NA: whole-genome or unknown)."""
    frames = []
    covered: set[str] = set()
    if panel_matrix is not None:
        pm = panel_matrix.copy()
        pm["profile"] = pm["profile_column"].map(profile_ids)
        pm = pm.dropna(subset=["profile", "panel_id"])
        pm = pm[pm["panel_id"].str.upper() != "NA"]
        frames.append(pm[PROFILE_COLUMNS])
        covered = set(pm["profile"])
    suffix = {"mutations": "_sequenced", "cna": "_cna", "structural_variants": "_sv"}
    present = {"mutations": has_mutations, "cna": bool(cna_samples), "structural_variants": has_sv}
    for kind, is_present in present.items():
        if not is_present or kind in covered:
            continue
        ids: pd.Series | list[str]
        cl = case_lists[case_lists["case_list_id"].str.endswith(suffix[kind])]
        if kind == "cna" and cna_samples:
            ids = cna_samples
        elif kind == "structural_variants" and "mutations" in covered:
            # fusions were called from the same targeted assay as mutations
            mut = frames[0]
            mut = mut[mut["profile"] == "mutations"]
            frames.append(mut.assign(profile="structural_variants"))
            continue
        elif len(cl):
            ids = cl["sample_id"]
        else:
            ids = sample_ids
        frames.append(pd.DataFrame({"sample_id": list(ids), "profile": kind, "panel_id": pd.NA}))
    if not frames:
        return empty(PROFILE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[PROFILE_COLUMNS].astype("string")
