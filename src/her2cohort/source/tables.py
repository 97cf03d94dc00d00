"""The canonical, source-independent study tables and how they are written.

Every source (a datahub folder, the cBioPortal REST API, a datahub tarball) produces a
:class:`StudyTables`; everything downstream reads only the Parquet files written here, so the
analysis never knows where a study came from.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from her2cohort.io import write_json, write_parquet

#: canonical columns of each table (clinical tables keep the study's attribute ids instead)
MUTATION_COLUMNS = [
    "sample_id",
    "gene",
    "entrez_gene_id",
    "variant_classification",
    "variant_type",
    "chromosome",
    "start_position",
    "end_position",
    "reference_allele",
    "tumor_seq_allele2",
    "protein_change",
    "mutation_status",
]
CNA_COLUMNS = ["sample_id", "gene", "value"]
SV_COLUMNS = ["sample_id", "site1_gene", "site2_gene", "event_info", "origin"]
PROFILE_COLUMNS = ["sample_id", "profile", "panel_id"]
PANEL_COLUMNS = ["panel_id", "gene"]
CASE_LIST_COLUMNS = ["case_list_id", "category", "sample_id"]
ATTRIBUTE_COLUMNS = ["attribute_id", "level", "display_name", "description", "datatype", "priority"]

#: the molecular profile kinds the pipeline uses
PROFILE_KINDS = ("mutations", "cna", "structural_variants")

#: file name of each table under results/{cohort}/study/
TABLE_FILES = {
    "samples": "samples.parquet",
    "patients": "patients.parquet",
    "attributes": "attributes.parquet",
    "mutations": "mutations.parquet",
    "cna": "cna.parquet",
    "sv": "sv.parquet",
    "profiles": "profiles.parquet",
    "gene_panels": "gene_panels.parquet",
    "case_lists": "case_lists.parquet",
}

PACKAGES_FOR_PROVENANCE = (
    "her2cohort",
    "pandas",
    "numpy",
    "polars",
    "pyarrow",
    "scipy",
    "statsmodels",
    "lifelines",
    "scikit-survival",
    "snakemake",
    "requests",
)


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})


def missing_panels_note(panel_ids: Sequence[str]) -> str:
    """The note of a study whose samples use gene panels it has no definition for."""
    return (
        "gene panel definitions not available for "
        + ", ".join(panel_ids)
        + ": genes off a sample's panel cannot be told from unaltered"
    )


@dataclass
class StudyTables:
    """One study in canonical form."""

    study_id: str
    source: str
    samples: pd.DataFrame
    patients: pd.DataFrame
    attributes: pd.DataFrame = field(default_factory=lambda: empty(ATTRIBUTE_COLUMNS))
    mutations: pd.DataFrame = field(default_factory=lambda: empty(MUTATION_COLUMNS))
    cna: pd.DataFrame = field(default_factory=lambda: empty(CNA_COLUMNS))
    sv: pd.DataFrame = field(default_factory=lambda: empty(SV_COLUMNS))
    profiles: pd.DataFrame = field(default_factory=lambda: empty(PROFILE_COLUMNS))
    gene_panels: pd.DataFrame = field(default_factory=lambda: empty(PANEL_COLUMNS))
    case_lists: pd.DataFrame = field(default_factory=lambda: empty(CASE_LIST_COLUMNS))
    meta: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self, name)
        return frame


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES_FOR_PROVENANCE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _normalise_for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    return out


def write_study(tables: StudyTables, outdir: str | Path) -> dict[str, Any]:
    """Write the canonical tables and manifest.json atomically (each file renamed into place)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name, filename in TABLE_FILES.items():
        frame = tables.table(name)
        write_parquet(_normalise_for_parquet(frame), out / filename)
        rows[name] = int(len(frame))
    manifest = {
        "study_id": tables.study_id,
        "source": tables.source,
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "meta": tables.meta,
        "inputs": tables.inputs,
        "rows": rows,
        "n_samples": int(tables.samples["SAMPLE_ID"].nunique()),
        "n_patients": int(tables.patients["PATIENT_ID"].nunique())
        if "PATIENT_ID" in tables.patients
        else 0,
        "profiled_samples": {
            kind: int((tables.profiles["profile"] == kind).sum()) for kind in PROFILE_KINDS
        },
        "notes": tables.notes,
        "packages": package_versions(),
    }
    write_json(manifest, out / "manifest.json")
    return manifest


def read_study(indir: str | Path) -> StudyTables:
    """Read the canonical tables written by :func:`write_study`."""
    import json

    base = Path(indir)
    manifest = json.loads((base / "manifest.json").read_text())
    frames = {name: pd.read_parquet(base / fn) for name, fn in TABLE_FILES.items()}
    return StudyTables(
        study_id=manifest["study_id"],
        source=manifest["source"],
        meta=manifest.get("meta", {}),
        inputs=manifest.get("inputs", []),
        notes=manifest.get("notes", []),
        **frames,
    )
