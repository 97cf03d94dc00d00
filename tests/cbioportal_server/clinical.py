"""Samples, patients, clinical attributes and data, as the importer stores them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from cbioportal_server.base import ModelBase
from cbioportal_server.importer import (
    compact,
    is_missing_clinical,
    sample_type_of,
    text_or_none,
)
from her2cohort.source.folder import read_clinical


class ClinicalRecords(ModelBase):
    """The clinical part of the study model."""

    def _read_clinical(self, files: dict[str, Path]) -> None:
        samples, sample_attrs = read_clinical(files["sample"], "sample")
        self.samples = []
        self.patient_of = {}
        self.attributes = []
        self.sample_data = []
        self.patient_data = []
        attr_ids = self._add_attributes(sample_attrs, patient=False)
        for row in samples.to_dict("records"):
            sid, pid = str(row["SAMPLE_ID"]), str(row["PATIENT_ID"])
            display, normal = sample_type_of(text_or_none(row.get("SAMPLE_TYPE")))
            if normal:
                continue
            self.patient_of[sid] = pid
            self.samples.append({"sampleId": sid, "patientId": pid, "sampleType": display})
            for col, attr in attr_ids.items():
                value = text_or_none(row.get(col))
                if not is_missing_clinical(value):
                    self.sample_data.append(
                        {
                            **self.sample_ref(sid),
                            "clinicalAttributeId": attr,
                            "value": str(value).strip(),
                        }
                    )
        global_list = self.meta.get("add_global_case_list", "").lower() == "true"
        if global_list and f"{self.study_id}_all" not in self.sample_lists:
            lid = f"{self.study_id}_all"
            self.sample_lists[lid] = {
                "sampleListId": lid,
                "category": "all_cases_in_study",
                "name": "All samples",
                "description": f"All samples ({len(self.samples)} samples)",
                "sampleIds": [s["sampleId"] for s in self.samples],
            }
        self.patients = list(dict.fromkeys(self.patient_of.values()))
        if "patient" in files:
            patients, patient_attrs = read_clinical(files["patient"], "patient")
            attr_ids = self._add_attributes(patient_attrs, patient=True)
            for row in patients.to_dict("records"):
                pid = str(row["PATIENT_ID"])
                if pid not in self.patients:
                    self.patients.append(pid)
                ref = self.patient_ref(pid)
                for col, attr in attr_ids.items():
                    value = text_or_none(row.get(col))
                    if not is_missing_clinical(value):
                        self.patient_data.append(
                            {**ref, "clinicalAttributeId": attr, "value": str(value).strip()}
                        )

    def _add_attributes(self, attrs: pd.DataFrame, patient: bool) -> dict[str, str]:
        """Register attributes (upper-cased ids; PATIENT_ID/SAMPLE_ID are not attributes)."""
        known = {a["clinicalAttributeId"] for a in self.attributes}
        columns: dict[str, str] = {}
        for row in attrs.to_dict("records"):
            attr_id = str(row["attribute_id"]).strip().upper()
            if attr_id in ("PATIENT_ID", "SAMPLE_ID"):
                continue
            columns[str(row["attribute_id"])] = attr_id
            if attr_id in known:
                continue
            self.attributes.append(
                compact(
                    {
                        "clinicalAttributeId": attr_id,
                        "displayName": row.get("display_name"),
                        "description": row.get("description"),
                        "datatype": (row.get("datatype") or "STRING").upper(),
                        "patientAttribute": patient,
                        "priority": str(row.get("priority") or "1"),
                        "studyId": self.study_id,
                    }
                )
            )
        return columns

    def _add_derived_attributes(self) -> None:
        """SAMPLE_COUNT per patient and MUTATION_COUNT per profiled sample, as the importer adds."""
        counts = Counter(self.patient_of.values())
        self.attributes.append(
            {
                "clinicalAttributeId": "SAMPLE_COUNT",
                "displayName": "Number of Samples Per Patient",
                "description": "Number of Samples Per Patient",
                "datatype": "NUMBER",
                "patientAttribute": True,
                "priority": "1",
                "studyId": self.study_id,
            }
        )
        for pid in self.patients:
            if counts.get(pid):
                self.patient_data.append(
                    {
                        **self.patient_ref(pid),
                        "clinicalAttributeId": "SAMPLE_COUNT",
                        "value": str(counts[pid]),
                    }
                )
        mutation = self.profile_of_kind("mutations")
        if mutation is None:
            return
        self.attributes.append(
            {
                "clinicalAttributeId": "MUTATION_COUNT",
                "displayName": "Mutation Count",
                "description": "Mutation Count",
                "datatype": "NUMBER",
                "patientAttribute": False,
                "priority": "30",
                "studyId": self.study_id,
            }
        )
        per_sample = Counter(r["sampleId"] for r in self.mutations.get(mutation.profile_id, []))
        for row in self.panel_data.get(mutation.profile_id, []):
            if row["profiled"]:
                sid = row["sampleId"]
                self.sample_data.append(
                    {
                        **self.sample_ref(sid),
                        "clinicalAttributeId": "MUTATION_COUNT",
                        "value": str(per_sample[sid]),
                    }
                )
