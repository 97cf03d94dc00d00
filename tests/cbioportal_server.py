"""A local cBioPortal REST API for tests: serves any study folder on 127.0.0.1.

The study is read from its datahub-layout folder (meta_*.txt, data_*.txt, case_lists/) and
served the way a portal that imported it would answer (see
/work/shared/reference/cbioportal_api.md and cBioPortal's importer, cbioportal-core):

* paths under ``/api``; JSON with null fields omitted; ``{"message": ...}`` errors (400 bad
  parameter / body / XOR rule, 401 bad token, 404 unknown study / profile / list / panel);
* ``uniqueSampleKey`` / ``uniquePatientKey`` = unpadded base64 of ``id:studyId``;
* ``sampleType`` as display strings (``Primary Solid Tumor``, ``Metastatic`` ...), derived from
  SAMPLE_TYPE like the importer does (unknown values -> ``Primary Solid Tumor``);
* clinical values the importer treats as missing (``NA``, ``Not Applicable`` ...) are not served;
  ``SAMPLE_COUNT`` (patient) and ``MUTATION_COUNT`` (sample) are added as the importer does;
* mutations pass the importer's default mutation filter; ``proteinChange`` without ``p.``,
  ``MUTATED`` when missing, ``Promoter`` for TERT 5'Flank; ``GET .../mutations`` requires
  ``entrezGeneId``;
* discrete CNA: ``HOMDEL_AND_AMP`` (default) comes from the event table, where -1.5 is -2; the
  other event types come from the matrix, where only integer strings survive (-1.5 disappears);
* an old FUSION profile is served as the STRUCTURAL_VARIANT profile ``<study>_structural_variants``
  built like datahub's fusion-to-sv converter (partners ordered by their position in the Fusion
  name; genes not named there become single-gene events); ``Fusion`` is served as ``eventInfo``;
* gene panel data from the gene panel matrix (``NA`` = not profiled); an SV profile the matrix does
  not cover gets the mutation profile's panels (MSK assays call both) -- a mock assumption;
* Entrez ids: the file's when > 0, otherwise a stable synthetic id (``100000000 + rank``), since
  the mock has no gene table;
* paging is 0-based (``pageSize``, ``pageNumber``) except ``GET /studies`` which is 1-based;
  ``projection=META`` returns no body and a ``total-count`` header.

Fault injection (:class:`Fault`): for the first N requests whose path matches a regex, answer
500 / 503 / 429 + Retry-After, stall past the client's read timeout, send truncated JSON, or
drop rows from a list answer (a page shorter than ``total-count``). :class:`ServerState` counts
requests (per ``METHOD path`` and in total) and records their headers.

Use ``with serve_study(folder, faults=[...]) as (base_url, state): ...``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import polars as pl

from her2cohort.io import read_normalized_bytes, read_tsv_strings, split_comment_header
from her2cohort.source.folder import parse_meta, read_clinical

MAX_PAGE_SIZE = 10_000_000
PROJECTIONS = ("ID", "SUMMARY", "DETAILED", "META")
SAMPLE_TYPES = {
    "PRIMARY_SOLID_TUMOR": "Primary Solid Tumor",
    "RECURRENT_SOLID_TUMOR": "Recurrent Solid Tumor",
    "PRIMARY_BLOOD_TUMOR": "Primary Blood Tumor",
    "RECURRENT_BLOOD_TUMOR": "Recurrent Blood Tumor",
    "METASTATIC": "Metastatic",
    "BLOOD_DERIVED_NORMAL": "Blood Derived Normal",
    "SOLID_TISSUES_NORMAL": "Solid Tissues Normal",
}
NORMAL_TYPES = {"BLOOD_DERIVED_NORMAL", "SOLID_TISSUES_NORMAL"}
#: ImportClinicalData.MissingAttributeValues (after removing [ ] | and mapping spaces to _)
MISSING_CLINICAL = {
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "PENDING",
    "DISCREPANCY",
    "COMPLETED",
    "NULL",
    "MISSING",
    "NA",
}
#: MutationFilter default rejections (prefix match, case-insensitive)
REJECTED_CLASSES = ("silent", "intron", "3'utr", "3'flank", "5'utr", "igr")
REJECTED_STATUS = ("none", "loh", "wildtype")
TERT_ENTREZ = 7015
CNA_EVENT_TYPES = {
    "HOMDEL_AND_AMP": (-2, 2),
    "HOMDEL": (-2,),
    "AMP": (2,),
    "GAIN": (1,),
    "HETLOSS": (-1,),
    "DIPLOID": (0,),
    "ALL": (-2, -1, 0, 1, 2),
}
SV_FILE_FIELDS = {
    "Sample_Id": "sampleId",
    "Site1_Hugo_Symbol": "site1HugoSymbol",
    "Site1_Ensembl_Transcript_Id": "site1EnsemblTranscriptId",
    "Site1_Chromosome": "site1Chromosome",
    "Site1_Position": "site1Position",
    "Site1_Region": "site1Region",
    "Site1_Region_Number": "site1RegionNumber",
    "Site1_Contig": "site1Contig",
    "Site1_Description": "site1Description",
    "Site2_Hugo_Symbol": "site2HugoSymbol",
    "Site2_Ensembl_Transcript_Id": "site2EnsemblTranscriptId",
    "Site2_Chromosome": "site2Chromosome",
    "Site2_Position": "site2Position",
    "Site2_Region": "site2Region",
    "Site2_Region_Number": "site2RegionNumber",
    "Site2_Contig": "site2Contig",
    "Site2_Description": "site2Description",
    "Site2_Effect_On_Frame": "site2EffectOnFrame",
    "NCBI_Build": "ncbiBuild",
    "DNA_Support": "dnaSupport",
    "RNA_Support": "rnaSupport",
    "Normal_Read_Count": "normalReadCount",
    "Tumor_Read_Count": "tumorReadCount",
    "Normal_Variant_Count": "normalVariantCount",
    "Tumor_Variant_Count": "tumorVariantCount",
    "Tumor_Split_Read_Count": "tumorSplitReadCount",
    "Tumor_Paired_End_Read_Count": "tumorPairedEndReadCount",
    "Event_Info": "eventInfo",
    "Class": "variantClass",
    "SV_Length": "length",
    "Comments": "comments",
    "SV_Status": "svStatus",
    "Annotation": "annotation",
    "Breakpoint_Type": "breakpointType",
    "Connection_Type": "connectionType",
}
SV_INT_FIELDS = {
    "site1Position",
    "site2Position",
    "site1RegionNumber",
    "site2RegionNumber",
    "normalReadCount",
    "tumorReadCount",
    "normalVariantCount",
    "tumorVariantCount",
    "tumorSplitReadCount",
    "tumorPairedEndReadCount",
    "length",
}
FUSION_FILE_FIELDS = {
    "Fusion": "eventInfo",
    "DNA_support": "dnaSupport",
    "RNA_support": "rnaSupport",
    "Frame": "connectionType",
    "Comments": "comments",
    "Method": "annotation",
}
ID_FIELDS = {
    "uniqueSampleKey",
    "uniquePatientKey",
    "molecularProfileId",
    "sampleId",
    "patientId",
    "entrezGeneId",
    "studyId",
    "clinicalAttributeId",
    "sampleListId",
    "genePanelId",
}


# --------------------------------------------------------------------------- helpers


def unique_key(entity_id: str, study_id: str) -> str:
    return base64.b64encode(f"{entity_id}:{study_id}".encode()).decode().rstrip("=")


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop null fields (the portal's ObjectMapper uses NON_NULL)."""
    return {
        k: v for k, v in record.items() if v is not None and not (isinstance(v, float) and v != v)
    }


def is_missing_clinical(value: str | None) -> bool:
    if value is None or not str(value).strip():
        return True
    norm = re.sub(r"[\[|\]]", "", str(value)).replace(" ", "_").upper()
    return norm in MISSING_CLINICAL


def as_int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def text_or_none(value: Any) -> str | None:
    if value is None or value is pd.NA:
        return None
    text = str(value)
    return text if text.strip() else None


def sample_type_of(raw: str | None) -> tuple[str, bool]:
    """(display string, is normal) the way the importer maps SAMPLE_TYPE."""
    name = (raw or "").strip().upper().replace(" ", "_")
    if name in SAMPLE_TYPES:
        return SAMPLE_TYPES[name], name in NORMAL_TYPES
    return SAMPLE_TYPES["PRIMARY_SOLID_TUMOR"], False


def protein_change_of(hgvsp: str | None, aa_change: str | None) -> str:
    def valid(v: str | None) -> bool:
        return bool(v) and str(v).strip().upper() not in ("NULL", "NA", "[NOT AVAILABLE]")

    value = hgvsp if valid(hgvsp) else aa_change if valid(aa_change) else "MUTATED"
    value = str(value)
    return value[2:] if value.startswith("p.") else value


def accept_mutation(
    mutation_type: str,
    status: str | None,
    validation: str | None,
    entrez: int,
    filtered: set[str] | None,
) -> tuple[bool, bool]:
    """MutationFilter.acceptMutation: (accepted, becomes 'Promoter')."""
    low = (status or "").lower()
    if any(low.startswith(s) for s in REJECTED_STATUS) and status:
        return False, False
    if (validation or "").lower().startswith("redacted"):
        return False, False
    mtype = mutation_type.lower()
    if filtered is not None:
        return mutation_type not in filtered, mtype.startswith("5'flank")
    if any(mtype.startswith(c) for c in REJECTED_CLASSES):
        return False, False
    if mtype.startswith("5'flank"):
        return entrez == TERT_ENTREZ, entrez == TERT_ENTREZ
    return True, False


def fusion_events(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """datahub's fusion_to_sv_converter: one SV per (sample, Fusion), partners by name position."""
    events: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        key = (str(row["Tumor_Sample_Barcode"]), text_or_none(row.get("Fusion")) or "")
        groups.setdefault(key, []).append(row)
    for (sample, fusion), rows in groups.items():
        placed = []
        for row in rows:
            gene = str(row["Hugo_Symbol"])
            if gene in fusion:
                placed.append((fusion.index(gene), row))
            else:
                events.append(_fusion_event(sample, row, None))
        placed.sort(key=lambda item: item[0])
        if placed:
            first_index = placed[0][0]
            site1 = [r for i, r in placed if i == first_index]
            site2 = [r for i, r in placed if i != first_index]
            events.append(_fusion_event(sample, site1[-1], site2[-1] if site2 else None))
    return events


def _fusion_event(
    sample: str, site1: dict[str, Any], site2: dict[str, Any] | None
) -> dict[str, Any]:
    merged = {**site1, **(site2 or {})}
    event: dict[str, Any] = {
        "sampleId": sample,
        "site1HugoSymbol": str(site1["Hugo_Symbol"]),
        "site2HugoSymbol": str(site2["Hugo_Symbol"]) if site2 else None,
        "svStatus": "SOMATIC",
    }
    for col, name in FUSION_FILE_FIELDS.items():
        event[name] = text_or_none(merged.get(col))
    return event


# --------------------------------------------------------------------------- the study model


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


def _profile_type(meta: dict[str, str]) -> tuple[str, str, str | None]:
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


class StudyModel:
    """Everything a portal would hold for one study folder, as API records."""

    def __init__(self, folder: Path, panel_dirs: Sequence[Path] = ()) -> None:
        self.folder = folder
        self.meta = parse_meta(folder / "meta_study.txt")
        self.study_id = self.meta["cancer_study_identifier"]
        self.profiles: dict[str, Profile] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._wide: dict[str, pl.DataFrame] = {}
        self._cells: dict[str, pl.DataFrame] = {}
        clinical_files: dict[str, Path] = {}
        self.panel_matrix: pd.DataFrame | None = None
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
                alt_type, dtype, kind = _profile_type(meta)
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

    # ---- identity
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

    # ---- reading
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

    def _read_clinical(self, files: dict[str, Path]) -> None:
        samples, sample_attrs = read_clinical(files["sample"], "sample")
        self.samples: list[dict[str, Any]] = []
        self.patient_of: dict[str, str] = {}
        self.attributes: list[dict[str, Any]] = []
        self.sample_data: list[dict[str, Any]] = []
        self.patient_data: list[dict[str, Any]] = []
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
                ref = {
                    "uniquePatientKey": unique_key(pid, self.study_id),
                    "patientId": pid,
                    "studyId": self.study_id,
                }
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

    def _raw_frame(self, prof: Profile) -> pd.DataFrame:
        """A MAF / SV / fusion file as strings (read once)."""
        if prof.profile_id not in self._frames:
            assert prof.data_path is not None
            self._frames[prof.profile_id], _ = read_tsv_strings(prof.data_path)
        return self._frames[prof.profile_id]

    def _cna_wide(self, prof: Profile) -> pl.DataFrame:
        if prof.profile_id not in self._wide:
            assert prof.data_path is not None
            _, body = split_comment_header(read_normalized_bytes(prof.data_path))
            self._wide[prof.profile_id] = pl.read_csv(
                io.BytesIO(body), separator="\t", infer_schema=False, quote_char=None
            )
        return self._wide[prof.profile_id]

    def cna_cells(self, profile_id: str) -> pl.DataFrame:
        """Long (gene, sampleId, raw) for every cell of the profile's matrix."""
        if profile_id not in self._cells:
            wide = self._cna_wide(self.profiles[profile_id])
            samples = [
                c for c in wide.columns if c not in ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")
            ]
            samples = [s for s in samples if s in self.patient_of]
            long = wide.select(["Hugo_Symbol", *samples]).unpivot(
                index="Hugo_Symbol", on=samples, variable_name="sampleId", value_name="raw"
            )
            self._cells[profile_id] = long.with_columns(pl.col("raw").str.strip_chars())
        return self._cells[profile_id]

    def _symbol_pairs(self, prof: Profile) -> Iterator[tuple[Any, Any]]:
        """(Hugo symbol, Entrez id as written) for every gene a data file names."""
        if prof.kind == "cna":
            wide = self._cna_wide(prof)
            ids = (
                wide["Entrez_Gene_Id"].to_list()
                if "Entrez_Gene_Id" in wide.columns
                else [None] * wide.height
            )
            yield from zip(wide["Hugo_Symbol"].to_list(), ids, strict=True)
            return
        frame = self._raw_frame(prof)
        for sym_col, id_col in (
            ("Hugo_Symbol", "Entrez_Gene_Id"),
            ("Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id"),
            ("Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id"),
        ):
            if sym_col in frame.columns:
                ids = (
                    frame[id_col] if id_col in frame.columns else pd.Series(None, index=frame.index)
                )
                yield from zip(frame[sym_col], ids, strict=True)

    def _gene_table(self, panel_dirs: Sequence[Path]) -> dict[str, int]:
        """Symbol -> Entrez id: the files' ids when > 0, else synthetic (TERT keeps 7015)."""
        known: dict[str, int] = {}
        symbols: set[str] = set()
        for prof in self.profiles.values():
            if prof.data_path is None or prof.kind is None:
                continue
            for sym, raw_id in self._symbol_pairs(prof):
                symbol = text_or_none(sym)
                if symbol is None:
                    continue
                symbols.add(symbol)
                entrez = as_int(raw_id)
                if entrez and entrez > 0:
                    known.setdefault(symbol, entrez)
        for path in self._panel_files(panel_dirs):
            symbols.update(parse_meta(path).get("gene_list", "").replace("\t", " ").split())
        if "TERT" in symbols:
            known.setdefault("TERT", TERT_ENTREZ)
        table = dict(known)
        table.update(
            {sym: 100_000_000 + rank for rank, sym in enumerate(sorted(symbols - set(known)))}
        )
        self.symbol_of = {entrez: sym for sym, entrez in table.items()}
        return table

    def _read_mutations(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for prof in self.profiles.values():
            if prof.kind != "mutations" or prof.data_path is None:
                continue
            filtered = None
            if "variant_classification_filter" in prof.meta:
                filtered = {
                    v.strip()
                    for v in prof.meta["variant_classification_filter"].split(",")
                    if v.strip()
                }
            records = []
            for row in self._raw_frame(prof).to_dict("records"):
                rec = self._mutation(prof, row, filtered)
                if rec is not None:
                    records.append(rec)
            records.sort(
                key=lambda r: (r["sampleId"], r["entrezGeneId"], r.get("proteinChange") or "")
            )
            out[prof.profile_id] = records
        return out

    def _mutation(
        self, prof: Profile, row: dict[str, Any], filtered: set[str] | None
    ) -> dict[str, Any] | None:
        symbol = str(row["Hugo_Symbol"])
        sample = str(row["Tumor_Sample_Barcode"])
        if sample not in self.patient_of or symbol == "Unknown":
            return None
        entrez = as_int(row.get("Entrez_Gene_Id")) or 0
        entrez = entrez if entrez > 0 else self.genes[symbol]
        mtype = text_or_none(row.get("Variant_Classification")) or "NA"
        status = text_or_none(row.get("Mutation_Status"))
        accepted, promoter = accept_mutation(
            mtype, status, text_or_none(row.get("Validation_Status")), entrez, filtered
        )
        if not accepted:
            return None
        ref = text_or_none(row.get("Reference_Allele"))
        allele2 = text_or_none(row.get("Tumor_Seq_Allele2"))
        allele = (
            allele2
            if allele2 and allele2 != ref
            else text_or_none(row.get("Tumor_Seq_Allele1")) or allele2
        )
        return compact(
            {
                **self.sample_ref(sample),
                "molecularProfileId": prof.profile_id,
                "entrezGeneId": entrez,
                "center": text_or_none(row.get("Center")),
                "mutationStatus": status,
                "validationStatus": text_or_none(row.get("Validation_Status")),
                "tumorAltCount": as_int(row.get("t_alt_count")),
                "tumorRefCount": as_int(row.get("t_ref_count")),
                "normalAltCount": as_int(row.get("n_alt_count")),
                "normalRefCount": as_int(row.get("n_ref_count")),
                "chr": text_or_none(row.get("Chromosome")),
                "startPosition": as_int(row.get("Start_Position")),
                "endPosition": as_int(row.get("End_Position")),
                "referenceAllele": ref,
                "variantAllele": allele,
                "proteinChange": "Promoter"
                if promoter
                else protein_change_of(
                    text_or_none(row.get("HGVSp_Short")), text_or_none(row.get("Amino_Acid_Change"))
                ),
                "mutationType": mtype,
                "ncbiBuild": text_or_none(row.get("NCBI_Build")),
                "variantType": text_or_none(row.get("Variant_Type")),
                "refseqMrnaId": text_or_none(row.get("RefSeq")),
            }
        )

    def _read_svs(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for prof in self.profiles.values():
            if prof.kind != "structural_variants" or prof.data_path is None:
                continue
            frame = self._raw_frame(prof)
            if prof.meta.get("genetic_alteration_type", "").upper() == "FUSION":
                events = fusion_events(frame.dropna(subset=["Hugo_Symbol", "Tumor_Sample_Barcode"]))
            else:
                events = [
                    {name: text_or_none(row.get(col)) for col, name in SV_FILE_FIELDS.items()}
                    for row in frame.to_dict("records")
                ]
            records = []
            for event in events:
                if event["sampleId"] not in self.patient_of:
                    continue
                rec = {
                    **self.sample_ref(event["sampleId"]),
                    "molecularProfileId": prof.profile_id,
                    **event,
                }
                for site in ("site1", "site2"):
                    sym = rec.get(f"{site}HugoSymbol")
                    rec[f"{site}EntrezGeneId"] = self.genes.get(sym) if sym else None
                    if rec[f"{site}EntrezGeneId"] is None:
                        rec[f"{site}HugoSymbol"] = None  # the portal joins the symbol on the id
                for name in SV_INT_FIELDS:
                    if rec.get(name) is not None:
                        rec[name] = as_int(rec[name])
                records.append(compact(rec))
            records.sort(
                key=lambda r: (r.get("site1HugoSymbol") or "", r.get("site2HugoSymbol") or "")
            )
            out[prof.profile_id] = records
        return out

    def _panel_files(self, panel_dirs: Sequence[Path]) -> list[Path]:
        files = [
            p for p in sorted(self.folder.glob("data_gene_panel*.txt")) if "matrix" not in p.name
        ]
        sub = self.folder / "gene_panels"
        files += sorted(sub.glob("*.txt")) if sub.is_dir() else []
        for extra in panel_dirs:
            files += sorted(Path(extra).glob("*.txt"))
        out = []
        for path in files:
            head = read_normalized_bytes(path)[:4096].decode("utf-8", errors="replace")
            if "stable_id:" in head and "gene_list:" in head:
                out.append(path)
        return out

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

    def _profiled(
        self, prof: Profile, assigned: dict[str, dict[str, str | None]]
    ) -> dict[str, str | None]:
        """sampleId -> panel id (None: whole genome) for the samples profiled in `prof`."""
        column = self._matrix_column(prof)
        if column is not None:
            return {
                str(s): str(p)
                for s, p in column.items()
                if s in self.patient_of and p is not pd.NA and str(p).upper() != "NA"
            }
        if "gene_panel" in prof.meta:
            return dict.fromkeys(self._data_samples(prof), prof.meta["gene_panel"])
        if prof.kind == "structural_variants":
            if f"{self.study_id}_sv" in self.sample_lists:
                return dict.fromkeys(self.sample_lists[f"{self.study_id}_sv"]["sampleIds"])
            mutation = self.profile_of_kind("mutations")
            if mutation is not None and mutation.profile_id in assigned:
                return dict(assigned[mutation.profile_id])
        return dict.fromkeys(self._data_samples(prof))

    def _data_samples(self, prof: Profile) -> list[str]:
        suffix = {"mutations": "_sequenced", "cna": "_cna", "structural_variants": "_sv"}.get(
            prof.kind or ""
        )
        listed = self.sample_lists.get(f"{self.study_id}{suffix}")
        if listed:
            return [s for s in listed["sampleIds"] if s in self.patient_of]
        if prof.kind == "cna":
            return list(self.cna_cells(prof.profile_id)["sampleId"].unique(maintain_order=True))
        if prof.kind == "mutations":
            return list(
                dict.fromkeys(r["sampleId"] for r in self.mutations.get(prof.profile_id, []))
            )
        return list(dict.fromkeys(r["sampleId"] for r in self.svs.get(prof.profile_id, [])))

    def _gene_panel_data(self) -> dict[str, list[dict[str, Any]]]:
        assigned: dict[str, dict[str, str | None]] = {}
        order = sorted(self.profiles.values(), key=lambda p: p.kind != "mutations")
        for prof in order:
            if prof.kind is not None:
                assigned[prof.profile_id] = self._profiled(prof, assigned)
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
                ref = {
                    "uniquePatientKey": unique_key(pid, self.study_id),
                    "patientId": pid,
                    "studyId": self.study_id,
                }
                self.patient_data.append(
                    {**ref, "clinicalAttributeId": "SAMPLE_COUNT", "value": str(counts[pid])}
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

    def gene_record(self, entrez: int) -> dict[str, Any]:
        return {
            "entrezGeneId": entrez,
            "hugoGeneSymbol": self.symbol_of[entrez],
            "type": "protein-coding",
        }

    def cna_records(
        self,
        profile_id: str,
        samples: set[str],
        event_type: str,
        genes: set[int] | None,
        detailed: bool,
    ) -> list[dict[str, Any]]:
        cells = self.cna_cells(profile_id)
        wanted = CNA_EVENT_TYPES[event_type]
        if set(wanted) <= {-2, 2}:
            # cna_event table: the importer stored -1.5 as -2
            allowed = [
                v
                for v, keep in (("-2", -2 in wanted), ("-1.5", -2 in wanted), ("2", 2 in wanted))
                if keep
            ]
            picked = cells.filter(pl.col("raw").is_in(allowed))
        else:
            # genetic_alteration matrix: only values Integer.parseInt accepts
            picked = cells.filter(pl.col("raw").str.contains(r"^-?\d+$"))
            picked = picked.filter(pl.col("raw").cast(pl.Int64).is_in(list(wanted)))
        out = []
        for symbol, sample, raw in picked.iter_rows():
            if sample not in samples:
                continue
            entrez = self.genes[symbol]
            if genes is not None and entrez not in genes:
                continue
            value = -2 if raw == "-1.5" else int(raw)
            rec = {
                **self.sample_ref(sample),
                "molecularProfileId": profile_id,
                "entrezGeneId": entrez,
                "alteration": value,
            }
            if detailed:
                rec["gene"] = self.gene_record(entrez)
            out.append(rec)
        return out


@functools.lru_cache(maxsize=8)
def load_model(folder: str, panel_dirs: tuple[str, ...] = ()) -> StudyModel:
    return StudyModel(Path(folder), [Path(p) for p in panel_dirs])


# --------------------------------------------------------------------------- faults & state


@dataclass
class Fault:
    """Misbehave for the first `times` requests whose path matches `path` (a regex; None: always).

    kind: "500" | "503" | "429" | "slow" | "truncated" | "short_page".
    """

    path: str
    kind: str
    times: int | None = 1
    method: str | None = None
    retry_after: str = "1"
    delay: float = 1.5
    drop: int = 1
    skip_meta: bool = True
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("500", "503", "429", "slow", "truncated", "short_page"):
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if self.method and self.method != method:
            return False
        if self.skip_meta and query.get("projection") == ["META"]:
            return False
        return re.search(self.path, path) is not None and (
            self.times is None or self.hits < self.times
        )


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class ServerState:
    require_token: str | None = None
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        with self.lock:
            return len(self.requests)

    def count(self, pattern: str = "", method: str | None = None) -> int:
        """Requests whose 'METHOD /path' key matches the regex `pattern`."""
        with self.lock:
            return sum(
                n
                for key, n in self.counts.items()
                if re.search(pattern, key) and (method is None or key.startswith(method + " "))
            )

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def record(self, req: RecordedRequest) -> Fault | None:
        with self.lock:
            self.requests.append(req)
            self.counts[f"{req.method} {req.path}"] += 1
            for fault in self.faults:
                if fault.matches(req.method, req.path, req.query):
                    if fault.kind != "short_page":
                        fault.hits += 1
                    return fault
        return None


# --------------------------------------------------------------------------- HTTP


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_body: bytes
    groups: tuple[str, ...] = ()

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.raw_body.decode("utf-8") or "null")
        except ValueError as exc:
            raise HttpError(
                400, "There is an error in the JSON format of the request payload"
            ) from exc

    def projection(self, default: str = "SUMMARY") -> str:
        value = self.param("projection", default) or default
        if value not in PROJECTIONS:
            raise HttpError(400, f"Request parameter type mismatch: projection={value}")
        return value

    def int_param(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self.param(name)
        if raw is None:
            return default
        if not re.fullmatch(r"-?\d+", raw):
            raise HttpError(400, f"Request parameter type mismatch: {name}={raw}")
        value = int(raw)
        if value < minimum:
            raise HttpError(400, f"{name} must be greater than or equal to {minimum}")
        return value


def listing(req: Request, items: list[dict[str, Any]], one_based: bool = False) -> Reply:
    """Apply projection=META and paging (0-based unless `one_based`)."""
    projection = req.projection()
    size = req.int_param("pageSize", MAX_PAGE_SIZE, minimum=1)
    number = req.int_param("pageNumber", 0)
    if projection == "META":
        return Reply(200, None, {"total-count": str(len(items))}, raw=b"")
    if one_based:
        number = max(number, 1) - 1
    page = items[size * number : size * (number + 1)]
    if projection == "ID":
        page = [{k: v for k, v in rec.items() if k in ID_FIELDS} for rec in page]
    return Reply(200, page)


def meta_or(req: Request, items: list[dict[str, Any]]) -> Reply:
    """Endpoints without paging: projection META -> total-count only."""
    if req.projection() == "META":
        return Reply(200, None, {"total-count": str(len(items))}, raw=b"")
    return Reply(200, items)


def xor_samples(body: Any, model: StudyModel, name: str) -> set[str]:
    """sampleListId XOR sampleIds, as the portal's @AssertTrue validators require."""
    if not isinstance(body, dict):
        raise HttpError(400, "There is an error in the JSON format of the request payload")
    has_list, has_ids = body.get("sampleListId") is not None, body.get("sampleIds") is not None
    if has_list == has_ids:
        raise HttpError(400, f"{name} sampleListId and sampleIds: exactly one must be set")
    if has_list:
        sl = model.sample_lists.get(str(body["sampleListId"]))
        if sl is None:
            raise HttpError(404, f"Sample list not found: {body['sampleListId']}")
        return set(sl["sampleIds"])
    return {str(s) for s in body["sampleIds"]}


def gene_filter(body: dict[str, Any]) -> set[int] | None:
    genes = body.get("entrezGeneIds")
    if genes is None:
        return None
    if not isinstance(genes, list) or not 1 <= len(genes) <= 50000:
        raise HttpError(400, "entrezGeneIds size must be between 1 and 50000")
    return {int(g) for g in genes}


def profiles_xor_pairs(req: Request, filter_name: str) -> tuple[dict, list, set]:
    """Body of a multiple-profile filter: molecularProfileIds XOR sampleMolecularIdentifiers.

    Returns (body, profile ids, {(profile, sample)} pairs); a malformed body or both/neither set is a
    400 with the portal's messages.
    """
    body = req.json()
    if not isinstance(body, dict):
        raise HttpError(400, "There is an error in the JSON format of the request payload")
    ids = body.get("molecularProfileIds") or []
    pairs = body.get("sampleMolecularIdentifiers") or []
    if bool(ids) == bool(pairs):
        raise HttpError(
            400,
            f"{filter_name} molecularProfileIds and sampleMolecularIdentifiers: "
            "exactly one must be set",
        )
    return body, ids, {(p["molecularProfileId"], p["sampleId"]) for p in pairs}


class Api:
    """Route table for one study."""

    def __init__(self, model: StudyModel) -> None:
        self.m = model
        sid = r"([^/]+)"
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Request], Reply]]] = [
            ("GET", re.compile(r"/studies"), self.studies),
            ("GET", re.compile(rf"/studies/{sid}"), self.study),
            ("GET", re.compile(rf"/studies/{sid}/molecular-profiles"), self.profiles),
            ("GET", re.compile(rf"/studies/{sid}/sample-lists"), self.sample_lists),
            ("GET", re.compile(rf"/sample-lists/{sid}"), self.sample_list),
            ("GET", re.compile(rf"/sample-lists/{sid}/sample-ids"), self.sample_list_ids),
            ("GET", re.compile(rf"/studies/{sid}/samples"), self.samples),
            ("GET", re.compile(rf"/studies/{sid}/clinical-attributes"), self.clinical_attributes),
            ("GET", re.compile(rf"/studies/{sid}/clinical-data"), self.clinical_data),
            ("POST", re.compile(rf"/studies/{sid}/clinical-data/fetch"), self.clinical_data_fetch),
            ("GET", re.compile(rf"/molecular-profiles/{sid}/mutations"), self.mutations_get),
            (
                "POST",
                re.compile(rf"/molecular-profiles/{sid}/mutations/fetch"),
                self.mutations_fetch,
            ),
            (
                "POST",
                re.compile(rf"/molecular-profiles/{sid}/discrete-copy-number/fetch"),
                self.cna_fetch,
            ),
            ("POST", re.compile(r"/structural-variant/fetch"), self.sv_fetch),
            ("POST", re.compile(r"/gene-panel-data/fetch"), self.panel_data_fetch),
            ("POST", re.compile(r"/gene-panels/fetch"), self.panels_fetch),
            ("GET", re.compile(rf"/gene-panels/{sid}"), self.panel),
            ("POST", re.compile(r"/genes/fetch"), self.genes_fetch),
        ]

    def dispatch(self, req: Request) -> Reply:
        allowed = []
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(req.path)
            if match:
                allowed.append(method)
                if method == req.method:
                    req.groups = match.groups()
                    return handler(req)
        if allowed:
            raise HttpError(405, f"Request method '{req.method}' is not supported")
        raise HttpError(404, f"No endpoint {req.method} /api{req.path}")

    def _study(self, study_id: str) -> None:
        if study_id != self.m.study_id:
            raise HttpError(404, f"Study not found: {study_id}")

    def _profile(self, profile_id: str, kind: str) -> Profile:
        prof = self.m.profiles.get(profile_id)
        if prof is None or prof.kind != kind:
            raise HttpError(404, f"Molecular profile not found: {profile_id}")
        return prof

    # ---- study level
    def studies(self, req: Request) -> Reply:
        reply = listing(req, [self.m.study_record()], one_based=True)
        if "total-count" in reply.headers:
            reply.headers["X-Total-Count"] = reply.headers["total-count"]
        return reply

    def study(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return Reply(200, self.m.study_record())

    def profiles(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return listing(req, [p.record(self.m.study_id) for p in self.m.profiles.values()])

    def sample_lists(self, req: Request) -> Reply:
        self._study(req.groups[0])
        detailed = req.projection() == "DETAILED"
        return listing(
            req, [self.m.sample_list_record(sl, detailed) for sl in self.m.sample_lists.values()]
        )

    def _list(self, list_id: str) -> dict[str, Any]:
        sl = self.m.sample_lists.get(list_id)
        if sl is None:
            raise HttpError(404, f"Sample list not found: {list_id}")
        return sl

    def sample_list(self, req: Request) -> Reply:
        return Reply(200, self.m.sample_list_record(self._list(req.groups[0]), True))

    def sample_list_ids(self, req: Request) -> Reply:
        return Reply(200, list(self._list(req.groups[0])["sampleIds"]))

    def samples(self, req: Request) -> Reply:
        self._study(req.groups[0])
        sequenced = set(
            self.m.sample_lists.get(f"{self.m.study_id}_sequenced", {}).get("sampleIds", [])
        )
        return listing(req, [self.m.sample_record(s, sequenced) for s in self.m.samples])

    def clinical_attributes(self, req: Request) -> Reply:
        self._study(req.groups[0])
        return listing(req, list(self.m.attributes))

    def _clinical(self, req: Request) -> list[dict[str, Any]]:
        kind = req.param("clinicalDataType", "SAMPLE")
        if kind not in ("SAMPLE", "PATIENT"):
            raise HttpError(400, f"Request parameter type mismatch: clinicalDataType={kind}")
        return self.m.sample_data if kind == "SAMPLE" else self.m.patient_data

    def clinical_data(self, req: Request) -> Reply:
        self._study(req.groups[0])
        records = self._clinical(req)
        attr = req.param("attributeId")
        if attr:
            records = [r for r in records if r["clinicalAttributeId"] == attr]
        return listing(req, records)

    def clinical_data_fetch(self, req: Request) -> Reply:
        self._study(req.groups[0])
        records = self._clinical(req)
        body = req.json()
        if not isinstance(body, dict) or not body.get("ids"):
            raise HttpError(400, "ids size must be between 1 and 2147483647")
        ids = set(body["ids"])
        key = "sampleId" if req.param("clinicalDataType", "SAMPLE") == "SAMPLE" else "patientId"
        attrs = set(body.get("attributeIds") or [])
        out = [
            r for r in records if r[key] in ids and (not attrs or r["clinicalAttributeId"] in attrs)
        ]
        return meta_or(req, out)

    # ---- molecular data
    def mutations_get(self, req: Request) -> Reply:
        self._profile(req.groups[0], "mutations")
        if req.param("entrezGeneId") is None:
            raise HttpError(400, "Request parameter is missing: entrezGeneId")
        if req.param("sampleListId") is None:
            raise HttpError(400, "Request parameter is missing: sampleListId")
        samples = set(self._list(str(req.param("sampleListId")))["sampleIds"])
        gene = int(str(req.param("entrezGeneId")))
        recs = [
            r
            for r in self.m.mutations[req.groups[0]]
            if r["sampleId"] in samples and r["entrezGeneId"] == gene
        ]
        return listing(req, self._detail(req, recs))

    def _detail(self, req: Request, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if req.projection() != "DETAILED":
            return records
        return [{**r, "gene": self.m.gene_record(r["entrezGeneId"])} for r in records]

    def mutations_fetch(self, req: Request) -> Reply:
        prof = self._profile(req.groups[0], "mutations")
        body = req.json()
        samples = xor_samples(body, self.m, "mutationFilter")
        genes = gene_filter(body)
        recs = [
            r
            for r in self.m.mutations[prof.profile_id]
            if r["sampleId"] in samples and (genes is None or r["entrezGeneId"] in genes)
        ]
        reply = listing(req, self._detail(req, recs))
        if "total-count" in reply.headers:
            reply.headers["sample-count"] = str(len({r["sampleId"] for r in recs}))
        return reply

    def cna_fetch(self, req: Request) -> Reply:
        prof = self._profile(req.groups[0], "cna")
        event = req.param("discreteCopyNumberEventType", "HOMDEL_AND_AMP") or "HOMDEL_AND_AMP"
        if event not in CNA_EVENT_TYPES:
            raise HttpError(
                400, f"Request parameter type mismatch: discreteCopyNumberEventType={event}"
            )
        body = req.json()
        samples = xor_samples(body, self.m, "discreteCopyNumberFilter")
        projection = req.projection()
        recs = self.m.cna_records(
            prof.profile_id, samples, event, gene_filter(body), projection == "DETAILED"
        )
        return meta_or(req, recs)

    def sv_fetch(self, req: Request) -> Reply:
        body, ids, wanted = profiles_xor_pairs(req, "structuralVariantFilter")
        profiles = set(ids) | {p for p, _ in wanted}
        genes = gene_filter(body)
        out = []
        for pid in sorted(profiles):
            for rec in self.m.svs.get(pid, []):
                if wanted and (pid, rec["sampleId"]) not in wanted:
                    continue
                if (
                    genes is not None
                    and not {rec.get("site1EntrezGeneId"), rec.get("site2EntrezGeneId")} & genes
                ):
                    continue
                out.append(rec)
        return Reply(200, out)

    def panel_data_fetch(self, req: Request) -> Reply:
        body, ids, wanted = profiles_xor_pairs(req, "genePanelDataMultipleStudyFilter")
        out = []
        for pid in [*ids, *sorted({p for p, _ in wanted})]:
            for rec in self.m.panel_data.get(pid, []):
                if not wanted or (pid, rec["sampleId"]) in wanted:
                    out.append(rec)
        return Reply(200, out)

    def _panel_record(self, panel: dict[str, Any], detailed: bool) -> dict[str, Any]:
        return compact({k: v for k, v in panel.items() if detailed or k != "genes"})

    def panels_fetch(self, req: Request) -> Reply:
        body = req.json()
        if not isinstance(body, list):
            raise HttpError(400, "There is an error in the JSON format of the request payload")
        detailed = req.projection() == "DETAILED"
        out = [self._panel_record(self.m.panels[p], detailed) for p in body if p in self.m.panels]
        return Reply(200, out)

    def panel(self, req: Request) -> Reply:
        panel = self.m.panels.get(req.groups[0])
        if panel is None:
            raise HttpError(404, f"Gene panel not found: {req.groups[0]}")
        return Reply(200, self._panel_record(panel, True))

    def genes_fetch(self, req: Request) -> Reply:
        body = req.json()
        kind = req.param("geneIdType", "ENTREZ_GENE_ID")
        if not isinstance(body, list) or kind not in ("ENTREZ_GENE_ID", "HUGO_GENE_SYMBOL"):
            raise HttpError(400, "Request parameter type mismatch: geneIdType")
        out = []
        for value in body:
            if kind == "HUGO_GENE_SYMBOL" and str(value) in self.m.genes:
                out.append(self.m.gene_record(self.m.genes[str(value)]))
            elif kind == "ENTREZ_GENE_ID" and as_int(value) in self.m.symbol_of:
                out.append(self.m.gene_record(int(str(value))))
        return Reply(200, out)


def make_handler(api: Api, state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body are written separately: avoid Nagle + delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            return

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            query = parse_qs(parts.query, keep_blank_values=True)
            path = parts.path
            fault = state.record(
                RecordedRequest(method, path, query, dict(self.headers.items()), raw_body)
            )
            try:
                reply = self._reply(method, path, query, raw_body, fault)
                self._send(reply, fault)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _reply(
            self,
            method: str,
            path: str,
            query: dict[str, list[str]],
            body: bytes,
            fault: Fault | None,
        ) -> Reply:
            if fault is not None and fault.kind in ("500", "503", "429"):
                status = int(fault.kind)
                headers = {"Retry-After": fault.retry_after} if status == 429 else {}
                return Reply(status, {"message": f"injected fault {status}"}, headers)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            if state.require_token is not None:
                if self.headers.get("Authorization") != f"Bearer {state.require_token}":
                    return Reply(401, {"message": "Unauthorized: invalid or missing token"})
            if not path.startswith("/api/"):
                return Reply(404, {"message": f"No endpoint {method} {path}"})
            try:
                return api.dispatch(Request(method, path[len("/api") :], query, body))
            except HttpError as exc:
                return Reply(exc.status, {"message": exc.message})

        def _send(self, reply: Reply, fault: Fault | None) -> None:
            body = reply.body
            if fault is not None and fault.kind == "short_page" and isinstance(body, list) and body:
                with state.lock:
                    fault.hits += 1
                body = body[: max(0, len(body) - fault.drop)]
            payload = (
                reply.raw
                if reply.raw is not None
                else json.dumps(body, separators=(",", ":")).encode()
            )
            if fault is not None and fault.kind == "truncated" and payload:
                payload = payload[: max(1, len(payload) // 2)]
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Elapsed-Time", "1")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextlib.contextmanager
def serve_study(
    folder: str | Path,
    faults: Iterable[Fault] = (),
    *,
    require_token: str | None = None,
    panel_dirs: Sequence[str | Path] = (),
) -> Iterator[tuple[str, ServerState]]:
    """Serve `folder` on 127.0.0.1 (ephemeral port); yields (base_url ending in /api, state)."""
    model = load_model(
        str(Path(folder).resolve()), tuple(str(Path(p).resolve()) for p in panel_dirs)
    )
    state = ServerState(require_token=require_token, faults=list(faults))
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Api(model), state))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="cbioportal-mock",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- a tiny study


TINY_SAMPLES = [
    # patient, sample, SAMPLE_TYPE, HER2_IHC_SCORE, panel
    ("P1", "P1-T1", "Primary", "1+", "PANEL_A"),
    ("P1", "P1-T2", "Metastasis", "Not Applicable", "PANEL_A"),
    ("P2", "P2-T1", "Primary", "3+", "PANEL_B"),
    ("P3", "P3-T1", "Metastatic", "", "PANEL_B"),
    ("P4", "P4-T1", "Primary", "0", "NA"),
]


def write_tiny_study(root: str | Path, study_id: str = "tiny_study") -> Path:
    """Write a five-sample study in datahub layout (fusion file, -1.5 calls, panels); return it."""
    folder = Path(root) / study_id
    (folder / "case_lists").mkdir(parents=True, exist_ok=True)

    def write(name: str, text: str) -> None:
        (folder / name).write_text(text)

    write(
        "meta_study.txt",
        f"type_of_cancer: brca\ncancer_study_identifier: {study_id}\nname: Tiny study\n"
        "description: A tiny test study.\npmid: 1\ncitation: Nobody et al.\n",
    )
    for level, data in (("sample", "SAMPLE_ATTRIBUTES"), ("patient", "PATIENT_ATTRIBUTES")):
        write(
            f"meta_clinical_{level}.txt",
            f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: "
            f"CLINICAL\ndatatype: {data}\ndata_filename: data_clinical_{level}.txt\n",
        )
    sample_rows = "".join(f"{p}\t{s}\t{t}\t{h}\n" for p, s, t, h, _ in TINY_SAMPLES)
    write(
        "data_clinical_sample.txt",
        "#Patient Identifier\tSample Identifier\tSample Type\tHER2 IHC\n"
        "#Patient\tSample\tType\tHER2 IHC score\n#STRING\tSTRING\tSTRING\tSTRING\n#1\t1\t9\t1\n"
        "PATIENT_ID\tSAMPLE_ID\tSAMPLE_TYPE\tHER2_IHC_SCORE\n" + sample_rows,
    )
    write(
        "data_clinical_patient.txt",
        "#Patient Identifier\tOverall Survival Status\tOverall Survival (Months)\n"
        "#Patient\tOS status\tOS months\n#STRING\tSTRING\tNUMBER\n#1\t1\t1\n"
        "PATIENT_ID\tOS_STATUS\tOS_MONTHS\n"
        "P1\t1:DECEASED\t12.5\nP2\t0:LIVING\tNA\nP3\t0:LIVING\t40\n"
        "P4\tNA\t\n",
    )
    write(
        "meta_mutations.txt",
        f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: MUTATION_EXTENDED\n"
        "datatype: MAF\nstable_id: mutations\nshow_profile_in_analysis_tab: true\n"
        "profile_name: Mutations\n"
        "profile_description: Mutations\ndata_filename: data_mutations.txt\n",
    )
    maf_cols = [
        "Hugo_Symbol",
        "Entrez_Gene_Id",
        "Center",
        "NCBI_Build",
        "Chromosome",
        "Start_Position",
        "End_Position",
        "Variant_Classification",
        "Variant_Type",
        "Reference_Allele",
        "Tumor_Seq_Allele1",
        "Tumor_Seq_Allele2",
        "Tumor_Sample_Barcode",
        "Mutation_Status",
        "Validation_Status",
        "HGVSp_Short",
        "t_alt_count",
    ]
    maf_rows = [
        [
            "ERBB2",
            "2064",
            "MSK",
            "GRCh37",
            "17",
            "37880220",
            "37880220",
            "Missense_Mutation",
            "SNP",
            "T",
            "T",
            "C",
            "P1-T1",
            "SOMATIC",
            "",
            "p.L755S",
            "40",
        ],
        [
            "PIK3CA",
            "5290",
            "MSK",
            "GRCh37",
            "3",
            "178952085",
            "178952085",
            "Missense_Mutation",
            "SNP",
            "A",
            "A",
            "G",
            "P1-T1",
            "SOMATIC",
            "",
            "p.H1047R",
            "12",
        ],
        [
            "PIK3CA",
            "0",
            "MSK",
            "GRCh37",
            "3",
            "178936091",
            "178936091",
            "Missense_Mutation",
            "SNP",
            "G",
            "G",
            "A",
            "P2-T1",
            "SOMATIC",
            "",
            "p.E545K",
            "",
        ],
        [
            "TP53",
            "0",
            "MSK",
            "GRCh37",
            "17",
            "7577120",
            "7577120",
            "Silent",
            "SNP",
            "C",
            "C",
            "T",
            "P2-T1",
            "SOMATIC",
            "",
            "p.R273=",
            "5",
        ],
        [
            "TERT",
            "0",
            "MSK",
            "GRCh37",
            "5",
            "1295228",
            "1295228",
            "5'Flank",
            "SNP",
            "G",
            "G",
            "A",
            "P3-T1",
            "SOMATIC",
            "",
            "",
            "7",
        ],
        [
            "GATA3",
            "0",
            "MSK",
            "GRCh37",
            "10",
            "8115874",
            "8115875",
            "Frame_Shift_Ins",
            "INS",
            "-",
            "-",
            "A",
            "P3-T1",
            "",
            "",
            "",
            "9",
        ],
    ]
    write(
        "data_mutations.txt",
        "#version 2.4\n"
        + "\t".join(maf_cols)
        + "\n"
        + "".join("\t".join(r) + "\n" for r in maf_rows),
    )
    write(
        "meta_cna.txt",
        f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: COPY_NUMBER_ALTERATION\n"
        "datatype: DISCRETE\nstable_id: cna\nshow_profile_in_analysis_tab: true\n"
        "profile_name: CNA\n"
        "profile_description: CNA\ndata_filename: data_cna.txt\n",
    )
    write(
        "data_cna.txt",
        "Hugo_Symbol\tP1-T1\tP1-T2\tP2-T1\tP3-T1\n"
        "ERBB2\t2\t2\t0\t-1\nPTEN\t-1.5\t0\t-2\t0\nCCND1\t1\t0\tNA\t2\n",
    )
    write(
        "meta_fusions.txt",
        f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: FUSION\n"
        "datatype: FUSION\nstable_id: fusion\nshow_profile_in_analysis_tab: true\n"
        "profile_name: Fusions\n"
        "profile_description: Fusions\ndata_filename: data_fusions.txt\n",
    )
    write(
        "data_fusions.txt",
        "Hugo_Symbol\tEntrez_Gene_Id\tCenter\tTumor_Sample_Barcode\tFusion\tDNA_support\t"
        "RNA_support\tMethod\tFrame\n"
        "ERBB2\t0\tMSK\tP1-T1\tGRB7-ERBB2 fusion\tyes\tunknown\tNA\tin frame\n"
        "GRB7\t0\tMSK\tP1-T1\tGRB7-ERBB2 fusion\tyes\tunknown\tNA\tin frame\n"
        "ESR1\t0\tMSK\tP2-T1\tESR1-intragenic\tyes\tunknown\tNA\tunknown\n",
    )
    write(
        "meta_gene_panel_matrix.txt",
        f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: "
        "GENE_PANEL_MATRIX\ndatatype: GENE_PANEL_MATRIX\n"
        "data_filename: data_gene_panel_matrix.txt\n",
    )
    write(
        "data_gene_panel_matrix.txt",
        "SAMPLE_ID\tmutations\tcna\n"
        + "".join(f"{s}\t{p}\t{p}\n" for _, s, _, _, p in TINY_SAMPLES),
    )
    write(
        "data_gene_panel_a.txt",
        "stable_id: PANEL_A\ndescription: Panel A\n"
        "gene_list: ERBB2\tPIK3CA\tTP53\tTERT\tGATA3\tPTEN\tCCND1\tGRB7\tESR1\n",
    )
    write(
        "data_gene_panel_b.txt",
        "stable_id: PANEL_B\ndescription: Panel B\n"
        "gene_list: ERBB2\tPIK3CA\tTP53\tTERT\tGATA3\tPTEN\tCCND1\n",
    )
    all_ids = "\t".join(s for _, s, _, _, _ in TINY_SAMPLES)
    profiled = "\t".join(s for _, s, _, _, p in TINY_SAMPLES if p != "NA")
    for suffix, category, ids in (
        ("all", "all_cases_in_study", all_ids),
        ("sequenced", "all_cases_with_mutation_data", profiled),
        ("cna", "all_cases_with_cna_data", profiled),
    ):
        write(
            f"case_lists/cases_{suffix}.txt",
            f"cancer_study_identifier: {study_id}\nstable_id: "
            f"{study_id}_{suffix}\ncase_list_name: {suffix}\ncase_list_description: {suffix}\n"
            f"case_list_category: {category}\ncase_list_ids: {ids}\n",
        )
    return folder
