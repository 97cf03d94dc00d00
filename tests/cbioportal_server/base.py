"""The parts of :class:`~cbioportal_server.model.StudyModel`: its state, profiles, identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from cbioportal_server.importer import compact, unique_key
from her2cohort.source.folder import is_gene_panel_file


@dataclass
class Profile:
    profile_id: str
    stable_id: str
    alteration_type: str
    datatype: str
    meta: dict[str, str]
    data_path: Path | None
    kind: str | None  # mutations | cna | structural_variants | None

    def record(self, study_id: str) -> dict[str, Any]:
        return compact(
            {
                "molecularProfileId": self.profile_id,
                "studyId": study_id,
                "molecularAlterationType": self.alteration_type,
                "datatype": self.datatype,
                "name": self.meta.get("profile_name"),
                "description": self.meta.get("profile_description"),
                "showProfileInAnalysisTab": self.meta.get(
                    "show_profile_in_analysis_tab", "false"
                ).lower()
                == "true",
                "patientLevel": False,
            }
        )


def profile_type(meta: dict[str, str]) -> tuple[str, str, str | None]:
    gat = meta.get("genetic_alteration_type", "").upper()
    datatype = meta.get("datatype", "").upper()
    if gat == "FUSION":
        return "STRUCTURAL_VARIANT", "SV", "structural_variants"
    kind = {
        ("MUTATION_EXTENDED", "MAF"): "mutations",
        ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
        ("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"): "cna",
        ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    }.get((gat, datatype))
    return gat, "DISCRETE" if kind == "cna" else datatype, kind


class ModelBase:
    """What every part of the study model reads: set by ``StudyModel.__init__`` and its parts."""

    folder: Path
    meta: dict[str, str]
    study_id: str
    profiles: dict[str, Profile]
    panel_matrix: pd.DataFrame | None
    sample_lists: dict[str, dict[str, Any]]
    #: clinical part: served samples (normal samples are not imported), their patients, records
    samples: list[dict[str, Any]]
    patient_of: dict[str, str]
    patients: list[str]
    attributes: list[dict[str, Any]]
    sample_data: list[dict[str, Any]]
    patient_data: list[dict[str, Any]]
    #: molecular part: symbol <-> Entrez id, records per profile id, file caches
    genes: dict[str, int]
    symbol_of: dict[int, str]
    mutations: dict[str, list[dict[str, Any]]]
    svs: dict[str, list[dict[str, Any]]]
    _frames: dict[str, pd.DataFrame]
    _wide: dict[str, pl.DataFrame]
    _cells: dict[str, pl.DataFrame]
    #: panel part: definitions by panel id, gene panel data per profile id
    panels: dict[str, dict[str, Any]]
    panel_data: dict[str, list[dict[str, Any]]]

    def sample_ref(self, sample_id: str) -> dict[str, Any]:
        patient = self.patient_of[sample_id]
        return {
            "uniqueSampleKey": unique_key(sample_id, self.study_id),
            "uniquePatientKey": unique_key(patient, self.study_id),
            "sampleId": sample_id,
            "patientId": patient,
            "studyId": self.study_id,
        }

    def profile_of_kind(self, kind: str) -> Profile | None:
        return next((p for p in self.profiles.values() if p.kind == kind), None)

    def patient_ref(self, patient_id: str) -> dict[str, Any]:
        return {
            "uniquePatientKey": unique_key(patient_id, self.study_id),
            "patientId": patient_id,
            "studyId": self.study_id,
        }

    def _panel_files(self, panel_dirs: Sequence[Path]) -> list[Path]:
        """Gene panel definitions: data_gene_panel*.txt, gene_panels/ and `panel_dirs`."""
        files = [
            p for p in sorted(self.folder.glob("data_gene_panel*.txt")) if "matrix" not in p.name
        ]
        sub = self.folder / "gene_panels"
        files += sorted(sub.glob("*.txt")) if sub.is_dir() else []
        for extra in panel_dirs:
            files += sorted(Path(extra).glob("*.txt"))
        return [path for path in files if is_gene_panel_file(path)]
