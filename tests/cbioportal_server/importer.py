"""What cBioPortal's importer does to a study's files, as far as the mock serves them.

Sample types, the clinical values stored as missing, the default mutation filter, protein change
and fusion-to-SV conversion, plus the small record helpers (unique keys, null-free records).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pandas as pd

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


def mutation_event_key(rec: dict[str, Any]) -> tuple[Any, ...]:
    """What makes a mutation record unique in the portal's database.

    ExtendedMutation.equals: (profile, sample, event), the event compared as MutationEvent.equals
    does (gene, chr, start, end, protein change, tumour allele, variant classification; strings
    case-insensitively). ImportExtendedMutationData merges records with the same key into one.
    """

    def fold(value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    return (
        rec["molecularProfileId"],
        rec["sampleId"],
        rec["entrezGeneId"],
        fold(rec.get("chr")),
        rec.get("startPosition"),
        rec.get("endPosition"),
        fold(rec.get("proteinChange")),
        fold(rec.get("variantAllele")),
        fold(rec.get("mutationType")),
    )


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
