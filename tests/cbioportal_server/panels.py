"""Gene panels and gene panel data: which samples each profile covers, on which panel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cbioportal_server.base import ModelBase, Profile
from cbioportal_server.importer import compact
from her2cohort.source.folder import parse_meta


class PanelRecords(ModelBase):
    """The gene panel part of the study model."""

    def _read_panels(self, panel_dirs: Sequence[Path]) -> dict[str, dict[str, Any]]:
        panels: dict[str, dict[str, Any]] = {}
        for path in self._panel_files(panel_dirs):
            meta = parse_meta(path)
            genes = sorted(dict.fromkeys(meta.get("gene_list", "").replace("\t", " ").split()))
            panels.setdefault(
                meta["stable_id"],
                {
                    "genePanelId": meta["stable_id"],
                    "description": meta.get("description"),
                    "genes": [{"entrezGeneId": self.genes[g], "hugoGeneSymbol": g} for g in genes],
                },
            )
        return panels

    def _matrix_column(self, prof: Profile) -> pd.Series | None:
        if self.panel_matrix is None:
            return None
        for col in (prof.stable_id, prof.profile_id):
            if col in self.panel_matrix.columns:
                return pd.Series(
                    self.panel_matrix[col].to_numpy(), index=self.panel_matrix["SAMPLE_ID"]
                )
        return None

    def _profiled(self, prof: Profile) -> dict[str, str | None]:
        """sampleId -> panel id (None: whole genome) for the samples profiled in `prof`."""
        column = self._matrix_column(prof)
        if column is not None:
            return {
                str(s): str(p)
                for s, p in column.items()
                if s in self.patient_of and p is not pd.NA and str(p).upper() != "NA"
            }
        if prof.kind == "structural_variants":
            # ImportStructuralVariantData: upsertSampleProfiles(samples with an imported SV row,
            # profile, the meta file's gene_panel or none) -- a sample without an SV row is not
            # SV-profiled, whatever the _sv case list says
            rows = dict.fromkeys(r["sampleId"] for r in self.svs.get(prof.profile_id, []))
            return dict.fromkeys(rows, prof.meta.get("gene_panel"))
        if "gene_panel" in prof.meta:
            return dict.fromkeys(self._data_samples(prof), prof.meta["gene_panel"])
        return dict.fromkeys(self._data_samples(prof))

    def _data_samples(self, prof: Profile) -> list[str]:
        """Mutation / CNA profile without panel matrix column: its case list, else its data."""
        suffix = {"mutations": "_sequenced", "cna": "_cna"}.get(prof.kind or "")
        listed = self.sample_lists.get(f"{self.study_id}{suffix}")
        if listed:
            return [s for s in listed["sampleIds"] if s in self.patient_of]
        if prof.kind == "cna":
            return list(self.cna_cells(prof.profile_id)["sampleId"].unique(maintain_order=True))
        return list(dict.fromkeys(r["sampleId"] for r in self.mutations.get(prof.profile_id, [])))

    def _gene_panel_data(self) -> dict[str, list[dict[str, Any]]]:
        assigned: dict[str, dict[str, str | None]] = {}
        for prof in self.profiles.values():
            if prof.kind is not None:
                assigned[prof.profile_id] = self._profiled(prof)
        sequenced = set(
            self.sample_lists.get(f"{self.study_id}_sequenced", {}).get("sampleIds", [])
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for pid, panels in assigned.items():
            is_mutation = self.profiles[pid].kind == "mutations"
            out[pid] = [
                compact(
                    {
                        **self.sample_ref(s["sampleId"]),
                        "molecularProfileId": pid,
                        "genePanelId": panels.get(s["sampleId"]),
                        "profiled": s["sampleId"] in panels
                        or (is_mutation and s["sampleId"] in sequenced),
                    }
                )
                for s in self.samples
            ]
        return out
