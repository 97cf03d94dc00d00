"""her2cohort.clinical: the cohort mapping applied to study tables (the clinical table)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from her2cohort.clinical import (
    CLINICAL_COLUMNS,
    WARNING_COLUMNS,
    build_clinical,
    map_vocabulary,
    source_file_names,
    to_number,
)
from her2cohort.config import load_cohort, load_yaml
from her2cohort.errors import DataError
from her2cohort.io import read_tsv_strings

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
VOCABS = {
    "receptor": {
        "positive": ["Positive", "+"],
        "negative": ["Negative"],
        "equivocal": ["Equivocal"],
        "unknown": ["Unk/ND"],
    },
    "os_status": {"event": ["1:DECEASED"], "censored": ["0:LIVING"]},
    "sample_type": {"primary": ["Primary"], "metastasis": ["Metastasis"]},
    "subtype": {"luminal_a": ["LumA"], "excluded": ["Normal"]},
}


def _frame(columns: list[str], *rows: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=columns).astype("string")


def _toy() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    cohort = {
        "name": "toy",
        "path": "cohorts/toy.yaml",
        "sample_fields": {
            "sample_type": "SAMPLE_TYPE",
            "her2_ihc": "IHC",
            "her2_status": "HER2",
            "er_status": "ER",
            "pr_status": "PR",
            "age": "AGE",
            "stage": "STAGE",
            "subtype": "SUBTYPE",
        },
        "patient_fields": {"os_months": "OS_MONTHS", "os_status": "OS_STATUS"},
        "vocabularies": VOCABS,
    }
    columns = "PATIENT_ID SAMPLE_ID SAMPLE_TYPE IHC HER2 ER PR AGE STAGE SUBTYPE".split()
    samples = _frame(
        columns,
        ["P1", "S1", "Primary", "0", "Negative", "Positive", "Negative", "50", "IIA", "LumA"],
        ["P1", "S2", "Metastasis", "1+", "Equivocal", "Neg", "Negative", "fifty", "IIA", "Normal"],
        ["P2", "S3", "Local", "3+ ", "Positive", "Negative", "Negative", "Unknown", None, "Basal"],
        ["P3", "S4", None, None, "Unk/ND", "Unk/ND", "Positive", " 61.5 ", "IV", None],
        ["P9", "S5", "Primary", "2+", "??", "Neg", "Unk/ND", "40", "I", "LumA"],
    )
    patients = _frame(
        ["PATIENT_ID", "OS_MONTHS", "OS_STATUS", "AGE"],
        ["P1", "12.5", "1:DECEASED", "99"],
        ["P2", "30", "0:LIVING", "99"],
        ["P3", "n/a", "ALIVE?", "99"],
    )
    return cohort, samples, patients


def test_columns_and_field_mapping() -> None:
    cohort, samples, patients = _toy()
    clinical, _ = build_clinical(cohort, samples, patients)
    assert clinical.columns.tolist() == CLINICAL_COLUMNS
    assert clinical["sample_id"].tolist() == ["S1", "S2", "S3", "S4", "S5"]
    assert clinical["patient_id"].tolist() == ["P1", "P1", "P2", "P3", "P9"]
    assert clinical["sample_type"].tolist() == ["primary", "metastasis", pd.NA, pd.NA, "primary"]
    # raw HER2 fields and stage are kept verbatim (harmonize parses them)
    assert clinical["her2_ihc"].tolist() == ["0", "1+", "3+ ", pd.NA, "2+"]
    assert clinical["stage"].tolist() == ["IIA", "IIA", pd.NA, "IV", "I"]
    assert clinical["her2_status"].tolist() == ["negative", "equivocal", "positive", pd.NA, pd.NA]
    raw = ["Negative", "Equivocal", "Positive", "Unk/ND", "??"]
    assert clinical["raw_her2_status"].tolist() == raw
    assert clinical["raw_primary_her2_status"].isna().all()  # not mapped
    assert clinical["er_status"].tolist() == ["positive", pd.NA, "negative", pd.NA, pd.NA]
    # unmapped fields are all missing
    assert clinical["her2_ish_ratio"].isna().all() and clinical["primary_her2_ihc"].isna().all()
    assert clinical["diagnosis_time"].isna().all() and clinical["her2_cn_status"].isna().all()


def test_numbers_subtype_and_derived_hr() -> None:
    cohort, samples, patients = _toy()
    clinical, _ = build_clinical(cohort, samples, patients)
    age = clinical["age"].tolist()
    assert age[0] == 50.0 and age[3] == 61.5 and age[4] == 40.0
    assert math.isnan(age[1]) and math.isnan(age[2])
    assert clinical["age"].dtype == "float64"
    # 'excluded' subtypes are dropped, unlisted ones are unknown
    assert clinical["subtype"].tolist() == ["luminal_a", pd.NA, pd.NA, pd.NA, "luminal_a"]
    # HR from ER/PR: positive if either is, negative only if both are, else unknown
    assert clinical["hr_status"].tolist() == ["positive", pd.NA, "negative", "positive", pd.NA]
    assert clinical["primary_hr_status"].isna().all()  # neither primary ER nor PR mapped


def test_patient_fields_joined_to_every_sample() -> None:
    cohort, samples, patients = _toy()
    clinical, _ = build_clinical(cohort, samples, patients)
    by_sample = clinical.set_index("sample_id")
    assert by_sample.loc["S1", "os_months"] == 12.5 and by_sample.loc["S2", "os_months"] == 12.5
    assert by_sample.loc["S3", "os_months"] == 30.0
    assert by_sample.loc["S1", "os_event"] == 1.0 and by_sample.loc["S2", "os_event"] == 1.0
    assert by_sample.loc["S3", "os_event"] == 0.0
    assert math.isnan(by_sample.loc["S4", "os_event"])  # status not in the vocabulary
    assert math.isnan(by_sample.loc["S5", "os_months"])  # patient P9 has no patient row
    assert math.isnan(by_sample.loc["S5", "os_event"])
    # a column in both tables comes from the sample table
    assert by_sample.loc["S1", "age"] == 50.0
    assert "os_status" not in clinical.columns


def test_vocabulary_misses_are_counted() -> None:
    cohort, samples, patients = _toy()
    _, warnings = build_clinical(cohort, samples, patients)
    assert warnings.columns.tolist() == WARNING_COLUMNS
    rows = {(w.field, w.column, w.value): (w.count, w.action) for w in warnings.itertuples()}
    unknown = "not in vocabulary: treated as unknown"
    assert rows == {
        ("sample_type", "SAMPLE_TYPE", "Local"): (1, unknown),
        ("her2_status", "HER2", "??"): (1, unknown),
        ("er_status", "ER", "Neg"): (2, unknown),
        ("age", "AGE", "fifty"): (1, "not a number: treated as missing"),
        ("os_months", "OS_MONTHS", "n/a"): (1, "not a number: treated as missing"),
        ("os_status", "OS_STATUS", "ALIVE?"): (1, unknown),
        ("subtype", "SUBTYPE", "Basal"): (1, unknown),
    }
    # 'Unk/ND' (listed as unknown), 'Unknown' (a missing-number word) and <NA> are not warnings


def test_vital_status_maps_to_causes_and_counts_misses() -> None:
    """The cause of death (patient level): disease / other / alive, unlisted values counted."""
    cohort, samples, patients = _toy()
    cohort["patient_fields"] = {**cohort["patient_fields"], "vital_status": "VITAL"}
    cohort["vocabularies"] = {
        **VOCABS,
        "vital_status": {
            "disease": ["Died of Disease"],
            "other": ["Died of Other Causes"],
            "alive": ["Living"],
        },
    }
    patients = patients.assign(VITAL=["Died of Disease", "Living", "Died, cause unknown"])
    clinical, warnings = build_clinical(cohort, samples, patients)
    by_patient = clinical.drop_duplicates("patient_id").set_index("patient_id")["vital_status"]
    assert by_patient.loc["P1"] == "disease" and by_patient.loc["P2"] == "alive"
    assert pd.isna(by_patient.loc["P3"]) and pd.isna(by_patient.loc["P9"])
    miss = warnings[warnings["field"] == "vital_status"].to_dict("records")
    assert miss == [
        {
            "field": "vital_status",
            "column": "VITAL",
            "value": "Died, cause unknown",
            "count": 1,
            "action": "not in vocabulary: treated as unknown",
        }
    ]


def test_no_warnings_gives_empty_table_with_columns() -> None:
    cohort, samples, patients = _toy()
    cohort["sample_fields"] = {"her2_ihc": "IHC"}
    cohort["patient_fields"] = {}
    clinical, warnings = build_clinical(cohort, samples, patients)
    assert warnings.empty and warnings.columns.tolist() == WARNING_COLUMNS
    assert clinical["os_event"].isna().all() and clinical["hr_status"].isna().all()


def test_map_vocabulary_strips_and_counts_by_value() -> None:
    values = pd.Series([" Positive", "+", "pos", "pos", None, "Unk/ND", "pos "], dtype="string")
    mapped, warnings = map_vocabulary(values, VOCABS["receptor"], "er_status", "ER")
    assert mapped.tolist() == ["positive", "positive", pd.NA, pd.NA, pd.NA, "unknown", pd.NA]
    assert warnings.to_dict("records") == [
        {
            "field": "er_status",
            "column": "ER",
            "value": "pos",
            "count": 3,
            "action": "not in vocabulary: treated as unknown",
        }
    ]


def test_map_vocabulary_numbers_in_vocabulary_match_strings() -> None:
    mapped, warnings = map_vocabulary(
        pd.Series(["1", "0", "2"], dtype="string"), {"event": [1], "censored": [0]}, "os", "OS"
    )
    assert mapped.tolist() == ["event", "censored", pd.NA]
    assert warnings["value"].tolist() == ["2"]


def test_to_number_missing_words_are_silent() -> None:
    raw = ["1.5", "NA", "Not Available", "[Not Available]", "x", "-2e3"]
    values = pd.Series(raw, dtype="string")
    num, warnings = to_number(values, "age", "AGE")
    assert num.tolist()[0] == 1.5 and num.tolist()[5] == -2000.0
    assert num.iloc[1:5].isna().all()
    assert warnings[["value", "count"]].to_dict("records") == [{"value": "x", "count": 1}]


def test_mapped_sample_column_missing_names_cohort_field_column() -> None:
    cohort, samples, patients = _toy()
    cohort["sample_fields"]["her2_ihc"] = "IHC_SEQ"
    with pytest.raises(DataError) as err:
        build_clinical(cohort, samples, patients, "study/data_clinical_sample.txt", "p.txt")
    assert str(err.value) == (
        "cohorts/toy.yaml: sample_fields.her2_ihc maps to column 'IHC_SEQ', "
        "which study/data_clinical_sample.txt does not have"
    )


def test_mapped_patient_column_missing_default_file_name() -> None:
    cohort, samples, patients = _toy()
    cohort["patient_fields"]["os_status"] = "OS_STATUS_X"
    with pytest.raises(DataError) as err:
        build_clinical(cohort, samples, patients)
    assert str(err.value) == (
        "cohorts/toy.yaml: patient_fields.os_status maps to column 'OS_STATUS_X', "
        "which the clinical patient file does not have"
    )


def test_mapped_field_without_vocabulary() -> None:
    cohort, samples, patients = _toy()
    cohort["vocabularies"] = {k: v for k, v in VOCABS.items() if k != "receptor"}  # first: ER
    with pytest.raises(DataError) as err:
        build_clinical(cohort, samples, patients)
    assert str(err.value) == (
        "cohorts/toy.yaml: field er_status is mapped but vocabulary 'receptor' is not defined"
    )


def test_source_file_names(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    inputs = [
        {"path": "s/meta_study.txt"},
        {"path": "s/data_clinical_patient.txt", "datatype": "CLINICAL/PATIENT_ATTRIBUTES"},
        {"path": "s/data_clinical_sample.txt", "datatype": "CLINICAL/SAMPLE_ATTRIBUTES"},
    ]
    manifest.write_text(json.dumps({"source": "folder", "inputs": inputs}))
    assert source_file_names(str(manifest)) == (
        "s/data_clinical_sample.txt",
        "s/data_clinical_patient.txt",
    )
    manifest.write_text(json.dumps({"source": "api", "inputs": [{"endpoint": "/studies/x"}]}))
    assert source_file_names(str(manifest)) == (
        "the API's sample clinical data",
        "the API's patient clinical data",
    )


def test_fixture_study() -> None:
    study = FIXTURES / "cbioportal" / "mini_brca"
    samples, _ = read_tsv_strings(study / "data_clinical_sample.txt")
    patients, _ = read_tsv_strings(study / "data_clinical_patient.txt")  # CR line endings
    shared = load_yaml(TESTS.parent / "config" / "config.yaml")["vocabularies"]
    config = {"cohort_dir": str(FIXTURES / "config" / "cohorts"), "vocabularies": shared}
    cohort = load_cohort(config, "mini_brca")
    clinical, warnings = build_clinical(cohort, samples, patients)
    assert len(clinical) == 62 and clinical["sample_id"].is_unique
    assert clinical["patient_id"].nunique() == 60
    assert warnings.empty  # 'Unk/ND' and 'DECEASED' are in the shared vocabularies
    row = clinical.set_index("sample_id").loc["P1-T1"]
    assert (row["sample_type"], row["her2_ihc"], row["primary_her2_ihc"]) == ("primary", "0+", "0+")
    assert (row["hr_status"], row["primary_hr_status"]) == ("positive", "positive")
    assert (row["age"], row["os_months"], row["os_event"]) == (50.0, 124.5, 1.0)
    assert (row["diagnosis_time"], row["sequencing_time"]) == (507.0, 507.0)
    p6 = clinical.set_index("sample_id").loc[["P6-T1", "P6-T2"]]
    assert p6["hr_status"].isna().tolist() == [True, False]  # 'Unk/ND' is unknown
    assert p6["primary_hr_status"].tolist()[1] == "negative"  # derived from primary ER and PR
    assert p6["os_event"].tolist() == [1.0, 1.0]  # 'DECEASED' (no '1:' prefix) is an event
    assert (clinical["sample_type"] == "primary").sum() == 40
    assert (clinical["hr_status"] == "negative").sum() == 13
