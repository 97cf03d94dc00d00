"""Structural variants: cBioPortal's SV format and old-style fusion files -> one SV table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from her2cohort.errors import DataError
from her2cohort.io import read_tsv_strings
from her2cohort.source.tables import SV_COLUMNS


class FusionPartners(NamedTuple):
    """The two sites of one fusion event.

    Attributes
    ----------
    site1 : str
        The first gene of the Fusion name (or the row's own gene).
    site2 : str or None
        The second gene; None for a single-gene event.
    """

    site1: str
    site2: str | None


def fusion_partners(gene: str, name: str) -> FusionPartners:
    """Site 1 and site 2 of one fusion-file row, ordered as in the Fusion name ('A-B fusion').

    Follows datahub's fusion-to-SV converter: partners come from the name; '<gene>-intragenic' is a
    single-gene event; a gene row the name does not mention is a single-gene event of its own.
    Gene symbols may contain '-' (NKX2-1), so the split is anchored on the row's own gene.
    """
    core = re.sub(r"\s+fusion\s*$", "", name.strip(), flags=re.IGNORECASE)
    if core.lower() in (f"{gene.lower()}-intragenic", gene.lower()):
        return FusionPartners(gene, None)
    if core.startswith(gene + "-"):
        return FusionPartners(gene, core[len(gene) + 1 :] or None)
    if core.endswith("-" + gene):
        return FusionPartners(core[: -len(gene) - 1] or gene, gene)
    return FusionPartners(gene, None)


def read_fusions(path: Path) -> pd.DataFrame:
    """Old-style data_fusions.txt (one row per partner gene) -> one SV event per fusion."""
    frame, _ = read_tsv_strings(path)
    missing = [
        c for c in ("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion") if c not in frame.columns
    ]
    if missing:
        raise DataError(f"{path}: fusion file lacks column(s) {', '.join(missing)}")
    frame = frame.dropna(subset=["Hugo_Symbol", "Tumor_Sample_Barcode"]).copy()
    frame["Fusion"] = frame["Fusion"].fillna(frame["Hugo_Symbol"] + "-intragenic")
    # one partner pair per row: a small table (one row per fusion partner), not per gene or sample
    pairs = [
        fusion_partners(g, f) for g, f in zip(frame["Hugo_Symbol"], frame["Fusion"], strict=True)
    ]
    events = pd.DataFrame(
        {
            "sample_id": frame["Tumor_Sample_Barcode"].to_numpy(),
            "site1_gene": [p.site1 for p in pairs],
            "site2_gene": [p.site2 for p in pairs],
            "event_info": frame["Fusion"].to_numpy(),
            "origin": "fusion_file",
        }
    )
    events = events.drop_duplicates(subset=["sample_id", "site1_gene", "site2_gene", "event_info"])
    return events[SV_COLUMNS].astype("string").reset_index(drop=True)


def read_sv(path: Path) -> pd.DataFrame:
    """cBioPortal's structural variant format (data_sv.txt)."""
    frame, _ = read_tsv_strings(path)
    if "Sample_Id" not in frame.columns:
        raise DataError(f"{path}: structural variant file has no Sample_Id column")
    if "Site1_Hugo_Symbol" not in frame.columns and "Site2_Hugo_Symbol" not in frame.columns:
        raise DataError(
            f"{path}: structural variant file has neither Site1_Hugo_Symbol nor Site2_Hugo_Symbol"
        )

    def get(c: str) -> pd.Series:
        return frame[c] if c in frame else pd.Series(pd.NA, index=frame.index)

    return pd.DataFrame(
        {
            "sample_id": frame["Sample_Id"],
            "site1_gene": get("Site1_Hugo_Symbol"),
            "site2_gene": get("Site2_Hugo_Symbol"),
            "event_info": get("Event_Info"),
            "origin": "sv_file",
        }
    )[SV_COLUMNS].astype("string")
