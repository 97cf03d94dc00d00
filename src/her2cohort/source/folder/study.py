"""A whole study folder: follow its meta_*.txt files to the data files, then build the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from her2cohort.errors import DataError
from her2cohort.source.folder.clinical import read_clinical
from her2cohort.source.folder.meta import input_record, parse_meta, profile_kind
from her2cohort.source.folder.molecular import read_cna_matrix, read_maf
from her2cohort.source.folder.panels import (
    profiled_samples,
    read_case_lists,
    read_gene_panel_matrix,
    read_panels,
)
from her2cohort.source.folder.sv import read_fusions, read_sv
from her2cohort.source.tables import (
    ATTRIBUTE_COLUMNS,
    CNA_COLUMNS,
    MUTATION_COLUMNS,
    SV_COLUMNS,
    StudyTables,
    empty,
    missing_panels_note,
)


@dataclass
class _DataFiles:
    """The tables of a study's data files, filled in one meta file at a time."""

    study_id: str
    inputs: list[dict[str, Any]]
    samples: pd.DataFrame | None = None
    patients: pd.DataFrame | None = None
    attributes: list[pd.DataFrame] = field(default_factory=list)
    mutations: list[pd.DataFrame] = field(default_factory=list)
    cna: list[pd.DataFrame] = field(default_factory=list)
    sv: list[pd.DataFrame] = field(default_factory=list)
    panel_matrix: pd.DataFrame | None = None
    profile_ids: dict[str, str] = field(default_factory=dict)  # stable_id -> kind
    cna_samples: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # unusual but valid content, counted

    def add(self, root: Path, meta_path: Path) -> None:
        """Read the data file `meta_path` points to, or record it as not used."""
        meta = parse_meta(meta_path)
        self.inputs.append(input_record(meta_path))
        gat = meta.get("genetic_alteration_type", "").upper()
        datatype = meta.get("datatype", "").upper()
        if "data_filename" not in meta:
            raise DataError(f"{meta_path}: no data_filename")
        data_path = root / meta["data_filename"]
        if not data_path.is_file():
            what = "is not a file" if data_path.exists() else "does not exist"
            raise DataError(
                f"{meta_path}: data_filename '{meta['data_filename']}' {what} in {root}"
            )
        kind = profile_kind(meta)
        rows = self._read(data_path, gat, datatype, kind)
        if rows is None:
            self.skipped.append(meta_path.name)
            self.inputs.append(input_record(data_path) | {"skipped": f"{gat}/{datatype} not used"})
            return
        if kind and "stable_id" in meta:
            self.profile_ids[meta["stable_id"]] = kind
            self.profile_ids[f"{self.study_id}_{meta['stable_id']}"] = kind
        self.inputs.append(input_record(data_path, rows) | {"datatype": f"{gat}/{datatype}"})

    def _read(self, data_path: Path, gat: str, datatype: str, kind: str | None) -> int | None:
        """Read one data file into its table: the rows (or samples) read; None if not used."""
        if gat == "CLINICAL" and datatype in ("SAMPLE_ATTRIBUTES", "MIXED_ATTRIBUTES"):
            self.samples, attrs = read_clinical(data_path, "sample")
            self.attributes.append(attrs)
            return len(self.samples)
        if gat == "CLINICAL" and datatype == "PATIENT_ATTRIBUTES":
            self.patients, attrs = read_clinical(data_path, "patient")
            self.attributes.append(attrs)
            return len(self.patients)
        if kind == "mutations":
            self.mutations.append(read_maf(data_path))
            return len(self.mutations[-1])
        if kind == "cna":
            frame, self.cna_samples, warnings = read_cna_matrix(data_path)
            self.cna.append(frame)
            self.warnings += warnings
            return len(frame)
        if kind == "structural_variants":
            self.sv.append(read_fusions(data_path) if gat == "FUSION" else read_sv(data_path))
            return len(self.sv[-1])
        if gat == "GENE_PANEL_MATRIX":
            self.panel_matrix = read_gene_panel_matrix(data_path)
            return int(self.panel_matrix["sample_id"].nunique())
        return None


def _stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else empty(columns)


def read_study_folder(
    folder: str | Path, panel_dirs: list[str | Path] | None = None
) -> StudyTables:
    """Read every supported data file a study's meta files point to."""
    root = Path(folder)
    study_meta_path = root / "meta_study.txt"
    if not study_meta_path.is_file():
        raise DataError(f"{root}: no meta_study.txt (not a cBioPortal study folder)")
    study_meta = parse_meta(study_meta_path)
    study_id = study_meta.get("cancer_study_identifier")
    if not study_id:
        raise DataError(f"{study_meta_path}: no cancer_study_identifier")
    found = _DataFiles(study_id, [input_record(study_meta_path)])
    for meta_path in sorted(root.glob("meta_*.txt")):
        if meta_path.name != "meta_study.txt":
            found.add(root, meta_path)
    notes: list[str] = []
    samples, patients = found.samples, found.patients
    if samples is None:
        raise DataError(f"{root}: no clinical sample file (meta with datatype SAMPLE_ATTRIBUTES)")
    if patients is None:
        notes.append("no clinical patient file; patients derived from the sample file")
        patients = samples[["PATIENT_ID"]].drop_duplicates().reset_index(drop=True)

    inputs = found.inputs
    case_lists, case_files = read_case_lists(root / "case_lists")
    inputs.extend(input_record(p) for p in case_files)
    panels, panel_files = read_panels(root, panel_dirs or [])
    inputs.extend(input_record(p) for p in panel_files)

    profiles = profiled_samples(
        samples["SAMPLE_ID"],
        found.panel_matrix,
        found.profile_ids,
        case_lists,
        found.cna_samples,
        bool(found.mutations),
        bool(found.sv),
    )
    missing_panels = sorted(set(profiles["panel_id"].dropna()) - set(panels["panel_id"]))
    if missing_panels:
        notes.append(missing_panels_note(missing_panels))
    if found.skipped:
        notes.append("meta files not used: " + ", ".join(found.skipped))
    notes += found.warnings

    return StudyTables(
        study_id=study_id,
        source="folder",
        samples=samples,
        patients=patients,
        attributes=_stack(found.attributes, ATTRIBUTE_COLUMNS),
        mutations=_stack(found.mutations, MUTATION_COLUMNS),
        cna=_stack(found.cna, CNA_COLUMNS),
        sv=_stack(found.sv, SV_COLUMNS),
        profiles=profiles,
        gene_panels=panels,
        case_lists=case_lists,
        meta={"folder": str(root.resolve()), **study_meta},
        inputs=inputs,
        notes=notes,
    )
