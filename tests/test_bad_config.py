"""Bad configuration: each a one-line error naming the file and the key, raised by the functions
common.smk calls before any job runs (it prints them as 'her2cohort configuration error: ...').

With test_bad_inputs.py (damaged study files, run through snakemake) these are the bad-input suite.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, REPO
from her2cohort import survival as sv
from her2cohort.alterations import load_alterations
from her2cohort.config import load_cohort, load_yaml, validate_config
from her2cohort.errors import DataError, Her2cohortError
from her2cohort.runner import one_line_error

BASE = load_yaml(REPO / "config" / "config.yaml")
MINI = yaml.safe_load((FIXTURES / "config" / "cohorts" / "mini_brca.yaml").read_text())


def _config(edit: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    config = copy.deepcopy(BASE)
    edit(config)
    return config


CONFIG_CASES = [
    (
        "vocabulary key typo",
        lambda c: c["vocabularies"]["os_status"].update(
            censor=c["vocabularies"]["os_status"].pop("censored")
        ),
        r"config/config.yaml: vocabularies/os_status: 'censor' is not one of \['event', 'censored', 'unknown'\]",
    ),
    (
        "unknown vocabulary",
        lambda c: c["vocabularies"].update(recepter={"positive": ["Pos"]}),
        r"vocabularies: Additional properties are not allowed \('recepter' was unexpected\)",
    ),
    (
        "raw value under two canonical values",
        lambda c: c["vocabularies"]["receptor"]["negative"].append("Positive"),
        r"vocabularies/receptor: 'Positive' is listed under both 'positive' and 'negative'",
    ),
    (
        "0-1+ assignment",
        lambda c: c["her2"]["zero_one_plus"].update(asco_cap_2018="maybe"),
        r"her2/zero_one_plus/asco_cap_2018: 'maybe' is not one of \['zero', 'low', 'unknown'\]",
    ),
    (
        "0-1+ as one value",
        lambda c: c["her2"].update(zero_one_plus="low"),
        r"her2/zero_one_plus: 'low' is not of type 'object'",
    ),
    (
        "unknown ruleset",
        lambda c: c["her2"].update(rules=["ihc_only", "asco_cap_2023"]),
        r"her2/rules/1: 'asco_cap_2023' is not one of \['ihc_only', 'asco_cap_2018'\]",
    ),
    (
        "default rule not run",
        lambda c: c["her2"].update(rules=["ihc_only"]),
        r"her2/default_rule: 'asco_cap_2018' is not one of her2/rules \['ihc_only'\]",
    ),
    (
        "published ruleset not run",
        lambda c: c["her2"].update(rules=["asco_cap_2018"]),
        r"enrichment/published_ruleset: 'ihc_only' .* is not one of her2/rules \['asco_cap_2018'\]",
    ),
    (
        "misspelt top-level key",
        lambda c: c.update(cohort=c.pop("cohorts")),
        r"config/config.yaml: \(top level\): Additional properties are not allowed \('cohort' was unexpected\) \(\+1 more\)",
    ),
    (
        "unknown source",
        lambda c: c.update(source="ftp"),
        r"source: 'ftp' is not one of \['folder', 'api', 'datahub', 'auto'\]",
    ),
    (
        "API URL without scheme",
        lambda c: c["api"].update(base_url="www.cbioportal.org/api"),
        r"api/base_url: 'www.cbioportal.org/api' does not match",
    ),
    (
        "confidence out of range",
        lambda c: c["enrichment"].update(confidence=95),
        r"enrichment/confidence: 95 is greater than or equal to the maximum of 1",
    ),
]


@pytest.mark.parametrize(
    ("label", "edit", "message"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_one_line(
    label: str, edit: Callable[[dict[str, Any]], Any], message: str
) -> None:
    with pytest.raises(DataError) as err:
        validate_config(_config(edit))
    text = str(err.value)
    assert "\n" not in text and re.search(message, text), text


def _cohort(tmp_path: Path, edit: Callable[[dict[str, Any]], Any] | str) -> dict[str, Any]:
    path = tmp_path / "mini_brca.yaml"
    if isinstance(edit, str):
        path.write_text(edit)
    else:
        cohort = copy.deepcopy(MINI)
        edit(cohort)
        path.write_text(yaml.safe_dump(cohort))
    config = validate_config(copy.deepcopy(BASE))
    config["cohort_dir"] = str(tmp_path)
    cohort = load_cohort(config, "mini_brca")
    sv.expand_analyses(cohort["survival"], config["her2"])  # as common.smk does
    return cohort


COHORT_CASES = [
    (
        "misspelt section",
        lambda c: c.update(sample_fieldz=c.pop("sample_fields")),
        r"mini_brca.yaml: \(top level\): Additional properties are not allowed \('sample_fieldz' was unexpected\)",
    ),
    (
        "unknown canonical field",
        lambda c: c["sample_fields"].update(her2_ihc_scor="X"),
        r"mini_brca.yaml: sample_fields: Unevaluated properties are not allowed \('her2_ihc_scor'",
    ),
    (
        "vocabulary key typo",
        lambda c: c.update(vocabularies={"sample_type": {"metastatic": ["Metastasis"]}}),
        r"mini_brca.yaml: vocabularies/sample_type: 'metastatic' is not one of",
    ),
    (
        "invalid YAML",
        "study_id: mini_brca\nsample_fields: [unclosed\n",
        r"mini_brca.yaml:3: invalid YAML",
    ),
    (
        "model with an undeclared term",
        lambda c: c["survival"]["analyses"]["her2_all"]["models"].update(
            adjusted=["group", "stage"]
        ),
        r"survival analysis her2_all: model adjusted uses undeclared term\(s\) stage",
    ),
    (
        "comparison not nested",
        lambda c: c["survival"]["analyses"]["her2_all"].update(
            comparisons=[{"reduced": "adjusted", "full": "crude"}]
        ),
        r"survival analysis her2_all: model adjusted is not nested in crude",
    ),
    (
        "unknown sensitivity ruleset",
        lambda c: c["survival"]["analyses"]["her2_all"].update(sensitivity=[{"rule": "ihc"}]),
        r"survival/analyses/her2_all/sensitivity/0/rule: 'ihc' is not one of",
    ),
    (
        "claim kind",
        lambda c: c["survival"]["claims"]["her2_low_vs_zero"]["rule"].update(kind="better"),
        r"survival/claims/her2_low_vs_zero/rule/kind: 'better' is not one of",
    ),
]


@pytest.mark.parametrize(
    ("label", "edit", "message"), COHORT_CASES, ids=[c[0] for c in COHORT_CASES]
)
def test_bad_cohort_file_is_one_line(tmp_path: Path, label: str, edit: Any, message: str) -> None:
    with pytest.raises(DataError) as err:
        _cohort(tmp_path, edit)
    text = str(err.value)
    assert "\n" not in text and re.search(message, text), text


SURVIVAL_CASES = [
    (
        "dss without the cause of death",
        lambda c: c["survival"]["analyses"]["her2_all"].update(endpoint="dss"),
        r"mini_brca.yaml: survival analysis her2_all has endpoint dss, which needs the cause of "
        r"death: patient_fields.vital_status is not mapped",
    ),
    (
        "cause of death as a sample field",
        lambda c: c["sample_fields"].update(vital_status="VITAL_STATUS"),
        r"mini_brca.yaml: sample_fields: Unevaluated properties are not allowed \('vital_status'",
    ),
    (
        "unknown alteration group",
        lambda c: c["survival"]["analyses"].update(
            pik3ca={"group": {"alteration": "PIK3CA_mutation"}, "levels": ["wild-type", "altered"]}
        ),
        r"mini_brca.yaml: survival analysis pik3ca: alteration PIK3CA_mutation is not a row of",
    ),
    (
        "claim horizon not computed",
        lambda c: c["survival"]["claims"]["her2_low_vs_zero"].update(tau=90),
        r"mini_brca.yaml: claim her2_low_vs_zero: tau 90 is not one of rmst_taus \[60.0, 120.0\]",
    ),
    (
        "claim on the reference level",
        lambda c: c["survival"]["claims"]["her2_low_vs_zero"]["rule"].update(term="group:HER2-0"),
        r"claim her2_low_vs_zero: term group:HER2-0 is not a coefficient of model adjusted",
    ),
    (
        "claim on an unknown model",
        lambda c: c["survival"]["claims"]["her2_low_vs_zero"].update(model="full"),
        r"mini_brca.yaml: claim her2_low_vs_zero: model full is not a model of her2_all",
    ),
]


@pytest.mark.parametrize(
    ("label", "edit", "message"), SURVIVAL_CASES, ids=[c[0] for c in SURVIVAL_CASES]
)
def test_bad_survival_block_is_one_line(
    tmp_path: Path, label: str, edit: Any, message: str
) -> None:
    """What the schema cannot check, as workflow/rules/survival.smk checks it before any job."""
    with pytest.raises(DataError) as err:
        cohort = _cohort(tmp_path, edit)
        ids = sv.alteration_ids(str(REPO / "config" / "alterations.yaml"))
        sv.check_survival_config(cohort, BASE["her2"], ids)
    text = str(err.value)
    assert "\n" not in text and re.search(message, text), text


def test_dss_with_the_cause_of_death_mapped_passes(tmp_path: Path) -> None:
    def edit(c: dict[str, Any]) -> None:
        c["survival"]["analyses"]["her2_all"]["endpoint"] = "dss"
        c.setdefault("patient_fields", {})["vital_status"] = "VITAL_STATUS"

    cohort = _cohort(tmp_path, edit)
    sv.check_survival_config(cohort, BASE["her2"], {"PIK3CA_mut"})


ALTERATION_CASES = [
    (
        "duplicated id",
        "alterations:\n  - {id: A, mechanism: m, genes: [ESR1], events: [mutation]}\n  - {id: A, mechanism: m, genes: [MYC], events: [amplification]}\n",
        r"alterations.yaml: duplicated alteration id\(s\) A",
    ),
    (
        "unknown event",
        "alterations:\n  - {id: A, mechanism: m, genes: [MYC], events: [amp]}\n",
        r"alterations.yaml: alterations/0/events/0: 'amp' is not one of",
    ),
    (
        "no genes",
        "alterations:\n  - {id: A, mechanism: m, genes: [], events: [mutation]}\n",
        r"alterations.yaml: alterations/0/genes: \[\] should be non-empty",
    ),
]


@pytest.mark.parametrize(
    ("label", "text", "message"), ALTERATION_CASES, ids=[c[0] for c in ALTERATION_CASES]
)
def test_bad_alteration_file_is_one_line(
    tmp_path: Path, label: str, text: str, message: str
) -> None:
    path = tmp_path / "alterations.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        load_alterations(path)
    assert "\n" not in str(err.value) and re.search(message, str(err.value)), str(err.value)


def test_missing_cohort_file_names_it(tmp_path: Path) -> None:
    config = validate_config(copy.deepcopy(BASE))
    config["cohort_dir"] = str(tmp_path)
    with pytest.raises(DataError, match=r"mini_brca.yaml: file not found"):
        load_cohort(config, "mini_brca")


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            PermissionError(13, "Permission denied", "/data/study/data_mutations.txt"),
            "/data/study/data_mutations.txt: Permission denied",
        ),
        (IsADirectoryError(21, "Is a directory", "/data/x.txt"), "/data/x.txt: Is a directory"),
        (DataError("a.txt:3: bad\n value"), "a.txt:3: bad value"),
    ],
)
def test_scripts_turn_file_and_input_errors_into_one_line(exc: BaseException, line: str) -> None:
    assert one_line_error(exc) == line


def test_api_errors_are_one_line_errors() -> None:
    from her2cohort.source.api import ApiError
    from her2cohort.source.datahub import DatahubError

    err = ApiError("GET /studies/x", "HTTP 401 Unauthorized", 401)
    assert (
        isinstance(err, Her2cohortError)
        and one_line_error(err) == "GET /studies/x: HTTP 401 Unauthorized"
    )
    assert isinstance(DatahubError("x"), Her2cohortError)
    assert one_line_error(ValueError("a bug")) is None  # bugs keep their traceback
