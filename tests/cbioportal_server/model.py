"""The study model: everything a portal would hold for one study folder, as API records."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cbioportal_server.base import Profile, profile_type
from cbioportal_server.clinical import ClinicalRecords
from cbioportal_server.importer import compact
from cbioportal_server.molecular import MolecularRecords
from cbioportal_server.panels import PanelRecords
from her2cohort.io import read_tsv_strings
from her2cohort.source.folder import parse_meta


class StudyModel(ClinicalRecords, MolecularRecords, PanelRecords):
    """Everything a portal would hold for one study folder, as API records."""

    def __init__(self, folder: Path, panel_dirs: Sequence[Path] = ()) -> None:
        self.folder = folder
        self.meta = parse_meta(folder / "meta_study.txt")
        self.study_id = self.meta["cancer_study_identifier"]
        self.profiles = {}
        self._frames = {}
        self._wide = {}
        self._cells = {}
        clinical_files: dict[str, Path] = {}
        self.panel_matrix = None
        for meta_path in sorted(folder.glob("meta_*.txt")):
            if meta_path.name == "meta_study.txt":
                continue
            meta = parse_meta(meta_path)
            data_path = folder / meta["data_filename"] if "data_filename" in meta else None
            gat = meta.get("genetic_alteration_type", "").upper()
            datatype = meta.get("datatype", "").upper()
            if gat == "CLINICAL" and data_path is not None:
                level = "patient" if datatype == "PATIENT_ATTRIBUTES" else "sample"
                clinical_files[level] = data_path
            elif gat == "GENE_PANEL_MATRIX" and data_path is not None:
                self.panel_matrix, _ = read_tsv_strings(data_path)
            elif "stable_id" in meta:
                alt_type, dtype, kind = profile_type(meta)
                stable = "structural_variants" if gat == "FUSION" else meta["stable_id"]
                pid = f"{self.study_id}_{stable}"
                self.profiles[pid] = Profile(
                    pid, meta["stable_id"], alt_type, dtype, meta, data_path, kind
                )
        self.sample_lists = self._read_sample_lists()
        self._read_clinical(clinical_files)
        self.genes = self._gene_table(panel_dirs)
        self.mutations = self._read_mutations()
        self.svs = self._read_svs()
        self.panels = self._read_panels(panel_dirs)
        self.panel_data = self._gene_panel_data()
        self._add_derived_attributes()

    def _read_sample_lists(self) -> dict[str, dict[str, Any]]:
        lists: dict[str, dict[str, Any]] = {}
        folder = self.folder / "case_lists"
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            meta = parse_meta(path)
            ids = [s for s in meta.get("case_list_ids", "").replace("\t", " ").split() if s]
            lists[meta["stable_id"]] = {
                "sampleListId": meta["stable_id"],
                "category": meta.get("case_list_category") or None,
                "name": meta.get("case_list_name"),
                "description": meta.get("case_list_description"),
                "sampleIds": ids,
            }
        return lists

    # ---- records served
    def study_record(self) -> dict[str, Any]:
        def count(suffix: str) -> int | None:
            sl = self.sample_lists.get(f"{self.study_id}{suffix}")
            return len(sl["sampleIds"]) if sl else None

        return compact(
            {
                "studyId": self.study_id,
                "cancerTypeId": self.meta.get("type_of_cancer"),
                "name": self.meta.get("name"),
                "description": self.meta.get("description"),
                "publicStudy": True,
                "pmid": self.meta.get("pmid"),
                "citation": self.meta.get("citation"),
                "groups": self.meta.get("groups", "PUBLIC"),
                "status": 0,
                "importDate": "2024-01-01 00:00:00",
                "referenceGenome": self.meta.get("reference_genome", "hg19"),
                "allSampleCount": len(self.samples),
                "sequencedSampleCount": count("_sequenced"),
                "cnaSampleCount": count("_cna"),
                "readPermission": True,
                "cancerType": {
                    "cancerTypeId": self.meta.get("type_of_cancer"),
                    "name": self.meta.get("type_of_cancer"),
                },
            }
        )

    def sample_list_record(self, sl: dict[str, Any], detailed: bool) -> dict[str, Any]:
        rec = {k: v for k, v in sl.items() if k != "sampleIds"}
        rec["studyId"] = self.study_id
        if detailed:
            rec.update({"sampleCount": len(sl["sampleIds"]), "sampleIds": list(sl["sampleIds"])})
        return compact(rec)

    def sample_record(self, s: dict[str, Any], sequenced: set[str]) -> dict[str, Any]:
        return {
            **self.sample_ref(s["sampleId"]),
            "sampleType": s["sampleType"],
            "sequenced": s["sampleId"] in sequenced,
            "copyNumberSegmentPresent": False,
        }


@functools.lru_cache(maxsize=8)
def load_model(folder: str, panel_dirs: tuple[str, ...] = ()) -> StudyModel:
    return StudyModel(Path(folder), [Path(p) for p in panel_dirs])
