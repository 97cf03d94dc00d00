"""Apply a cohort mapping (config/cohorts/<study>.yaml) to canonical study tables.

The result is one row per sample with canonical column names and values, the patient's fields
joined on. Vocabulary misses are counted in a warnings table, never silently dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from her2cohort.errors import DataError

#: fields whose raw value is kept verbatim (parsed later by her2cohort.harmonize)
RAW_FIELDS = (
    "her2_ihc",
    "her2_ish_status",
    "her2_ish_ratio",
    "her2_ish_copy_number",
    "primary_her2_ihc",
    "primary_her2_ish_status",
    "primary_her2_ish_ratio",
    "primary_her2_ish_copy_number",
)
RECEPTOR_FIELDS = (
    "hr_status",
    "er_status",
    "pr_status",
    "primary_hr_status",
    "primary_er_status",
    "primary_pr_status",
    "her2_status",
    "primary_her2_status",
    "her2_ihc_status",
    "primary_her2_ihc_status",
)
#: HER2 status fields whose raw value is kept beside the mapped one (for the HER2 audit)
AUDITED_STATUS_FIELDS = (
    "her2_status",
    "primary_her2_status",
    "her2_ihc_status",
    "primary_her2_ihc_status",
    "her2_cn_status",
)
NUMERIC_FIELDS = ("age", "os_months", "diagnosis_time", "sequencing_time")
VOCAB_OF = {f: "receptor" for f in RECEPTOR_FIELDS} | {
    "os_status": "os_status",
    "sample_type": "sample_type",
    "her2_cn_status": "cn_status",
    "subtype": "subtype",
    "vital_status": "vital_status",
}

#: the canonical values each vocabulary maps raw values to (a closed set, checked by the schema:
#: a key outside it, e.g. ``censor:`` for ``censored:``, is an error, never a silent miss);
#: ``subtype`` maps to the cohort's own labels (``excluded``: not analysed)
VOCABULARY_VALUES: dict[str, tuple[str, ...]] = {
    "receptor": ("positive", "negative", "equivocal", "unknown"),
    "os_status": ("event", "censored", "unknown"),
    "cn_status": ("gain", "neutral", "loss", "unknown"),
    "sample_type": ("primary", "metastasis", "unknown"),
    # cause of death (METABRIC's VITAL_STATUS): the disease-specific survival endpoint's causes
    "vital_status": ("disease", "other", "alive", "unknown"),
}
OPEN_VOCABULARIES = ("subtype",)


def vocabulary_schema() -> dict[str, Any]:
    """JSON schema of a ``vocabularies`` block: known vocabularies only, each with its keys."""
    raws = {"type": "array", "items": {"type": ["string", "number"]}}
    props: dict[str, Any] = {
        name: {
            "type": "object",
            "propertyNames": {"enum": list(keys)},
            "additionalProperties": raws,
        }
        for name, keys in VOCABULARY_VALUES.items()
    }
    props |= {name: {"type": "object", "additionalProperties": raws} for name in OPEN_VOCABULARIES}
    return {"type": "object", "additionalProperties": False, "properties": props}


def check_vocabularies(vocabularies: dict[str, Any], source: str) -> None:
    """A raw value listed under two canonical values of one vocabulary is an error."""
    for name, vocab in vocabularies.items():
        seen: dict[str, str] = {}
        for canon, raws in vocab.items():
            for raw in raws:
                key = str(raw).strip()
                if seen.get(key, canon) != canon:
                    raise DataError(
                        f"{source}: vocabularies/{name}: {key!r} is listed under both "
                        f"{seen[key]!r} and {canon!r}"
                    )
                seen[key] = canon


CLINICAL_COLUMNS = [
    "sample_id",
    "patient_id",
    "sample_type",
    *RAW_FIELDS,
    *RECEPTOR_FIELDS,
    "her2_cn_status",
    "subtype",
    "age",
    "stage",
    "diagnosis_time",
    "sequencing_time",
    "os_months",
    "os_event",
    "vital_status",
    *[f"raw_{f}" for f in AUDITED_STATUS_FIELDS],
]
WARNING_COLUMNS = ["field", "column", "value", "count", "action"]


def mapped_fields(cohort: dict[str, Any]) -> dict[str, str]:
    """Canonical field -> source column over the cohort's patient and sample fields."""
    return {**(cohort.get("patient_fields") or {}), **(cohort.get("sample_fields") or {})}


def check_mapped_columns(
    cohort: dict[str, Any],
    samples: pd.DataFrame,
    patients: pd.DataFrame,
    sample_file: str,
    patient_file: str,
) -> None:
    """A mapped column missing from the data is a one-line error naming cohort file, field and column."""
    for section, frame, fname in (
        ("sample_fields", samples, sample_file),
        ("patient_fields", patients, patient_file),
    ):
        for field, column in (cohort.get(section) or {}).items():
            if column not in frame.columns:
                raise DataError(
                    f"{cohort.get('path', cohort.get('name'))}: {section}.{field} maps to column "
                    f"'{column}', which {fname} does not have"
                )


def _vocab_lookup(vocab: dict[str, list[Any]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canon, raws in vocab.items():
        for raw in raws:
            lookup[str(raw).strip()] = canon
    return lookup


def map_vocabulary(
    values: pd.Series, vocab: dict[str, list[Any]], field: str, column: str
) -> tuple[pd.Series, pd.DataFrame]:
    """Map raw values to canonical ones; unlisted values become <NA> and are counted."""
    lookup = _vocab_lookup(vocab)
    raw = values.astype("string").str.strip()
    mapped = raw.map(lookup).astype("string")
    miss = raw.notna() & mapped.isna()
    warnings = (
        raw[miss].value_counts().rename_axis("value").reset_index(name="count")
        if miss.any()
        else pd.DataFrame(columns=["value", "count"])
    )
    warnings.insert(0, "column", column)
    warnings.insert(0, "field", field)
    warnings["action"] = "not in vocabulary: treated as unknown"
    return mapped, warnings[WARNING_COLUMNS]


def to_number(values: pd.Series, field: str, column: str) -> tuple[pd.Series, pd.DataFrame]:
    raw = values.astype("string").str.strip()
    num = pd.to_numeric(raw, errors="coerce")
    bad = (
        raw.notna()
        & num.isna()
        & ~raw.isin(["NA", "Not Available", "Unknown", "unk", "[Not Available]"])
    )
    warnings = raw[bad].value_counts().rename_axis("value").reset_index(name="count")
    warnings.insert(0, "column", column)
    warnings.insert(0, "field", field)
    warnings["action"] = "not a number: treated as missing"
    return num.astype("float64"), warnings[WARNING_COLUMNS]


def _derive_hr(er: pd.Series, pr: pd.Series) -> pd.Series:
    """HR+ if ER or PR positive; HR- if both negative; otherwise unknown (<NA>)."""
    out = pd.Series(pd.NA, index=er.index, dtype="string")
    out[(er == "negative") & (pr == "negative")] = "negative"
    out[(er == "positive") | (pr == "positive")] = "positive"
    return out


def source_file_names(manifest_path: str) -> tuple[str, str]:
    """The clinical sample and patient files a study was read from (for error messages)."""
    import json

    manifest = json.loads(open(manifest_path).read())
    names = {
        "CLINICAL/SAMPLE_ATTRIBUTES": "the clinical sample file",
        "CLINICAL/PATIENT_ATTRIBUTES": "the clinical patient file",
    }
    for rec in manifest.get("inputs", []):
        if rec.get("datatype") in names:
            names[rec["datatype"]] = rec["path"]
    src = manifest.get("source", "folder")
    if src == "api":
        names = {k: f"the API's {v.split()[-2]} clinical data" for k, v in names.items()}
    return names["CLINICAL/SAMPLE_ATTRIBUTES"], names["CLINICAL/PATIENT_ATTRIBUTES"]


def build_clinical(
    cohort: dict[str, Any],
    samples: pd.DataFrame,
    patients: pd.DataFrame,
    sample_file: str = "the clinical sample file",
    patient_file: str = "the clinical patient file",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One canonical row per sample. Returns (clinical, warnings)."""
    check_mapped_columns(cohort, samples, patients, sample_file, patient_file)
    vocabs = cohort.get("vocabularies", {})
    merged = samples.merge(
        patients.drop(
            columns=[c for c in patients.columns if c in samples.columns and c != "PATIENT_ID"]
        ),
        on="PATIENT_ID",
        how="left",
        validate="many_to_one",
    )
    fields = mapped_fields(cohort)
    out = pd.DataFrame(
        {
            "sample_id": merged["SAMPLE_ID"].astype("string"),
            "patient_id": merged["PATIENT_ID"].astype("string"),
        }
    )
    warnings = []
    for field in [
        c for c in CLINICAL_COLUMNS[2:] if c != "os_event" and not c.startswith("raw_")
    ] + ["os_status"]:
        column = fields.get(field)
        if field in AUDITED_STATUS_FIELDS:
            out[f"raw_{field}"] = merged[column].astype("string") if column else pd.NA
        if column is None:
            out[field] = pd.Series(pd.NA, index=merged.index, dtype="string")
            continue
        values = merged[column]
        if field in RAW_FIELDS or field == "stage":
            out[field] = values.astype("string")
        elif field in NUMERIC_FIELDS:
            out[field], w = to_number(values, field, column)
            warnings.append(w)
        else:
            vocab_name = VOCAB_OF[field]
            if vocab_name not in vocabs:
                raise DataError(
                    f"{cohort.get('path')}: field {field} is mapped but vocabulary '{vocab_name}' is not defined"
                )
            mapped, w = map_vocabulary(values, vocabs[vocab_name], field, column)
            out[field] = mapped.mask(mapped == "unknown")
            warnings.append(w)
    for prefix in ("", "primary_"):
        if f"{prefix}hr_status" not in fields and (
            f"{prefix}er_status" in fields or f"{prefix}pr_status" in fields
        ):
            out[f"{prefix}hr_status"] = _derive_hr(
                out[f"{prefix}er_status"], out[f"{prefix}pr_status"]
            )
    if "os_status" in fields:
        ev = out.pop("os_status")
        event = ev.eq("event").fillna(False).to_numpy(bool)
        censored = ev.eq("censored").fillna(False).to_numpy(bool)
        out["os_event"] = np.where(event, 1.0, np.where(censored, 0.0, np.nan))
    else:
        out["os_event"] = np.nan
    for col in CLINICAL_COLUMNS:
        if col not in out:
            out[col] = pd.NA
    if "subtype" in fields:
        out.loc[out["subtype"] == "excluded", "subtype"] = pd.NA
    nonempty = [w for w in warnings if len(w)]
    warn = (
        pd.concat(nonempty, ignore_index=True)
        if nonempty
        else pd.DataFrame(columns=WARNING_COLUMNS)
    )
    return out[CLINICAL_COLUMNS], warn
