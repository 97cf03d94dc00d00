"""her2cohort.config: YAML errors with line numbers, one-line schema errors, cohort loading."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from her2cohort.config import load_cohort, load_yaml, merge_vocabularies, validate
from her2cohort.errors import DataError

FIXTURE_COHORTS = Path(__file__).resolve().parent / "fixtures" / "config" / "cohorts"
VOCABULARIES = {
    "receptor": {"positive": ["Positive", "+"], "negative": ["Negative"], "unknown": ["Unk/ND"]},
    "os_status": {"event": ["1:DECEASED"], "censored": ["0:LIVING"]},
}


def _cohort_dir(tmp_path: Path, **changes) -> Path:
    """A cohort dir holding mini_brca.yaml: the fixture mapping with top-level keys replaced."""
    cohort = yaml.safe_load((FIXTURE_COHORTS / "mini_brca.yaml").read_text())
    cohort.update(changes)
    folder = tmp_path / "cohorts"
    folder.mkdir()
    (folder / "mini_brca.yaml").write_text(yaml.safe_dump(cohort))
    return folder


def _error(func, *args) -> str:
    with pytest.raises(DataError) as err:
        func(*args)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_load_yaml_reads_fixture() -> None:
    cohort = load_yaml(FIXTURE_COHORTS / "mini_brca.yaml")
    assert cohort["study_id"] == "mini_brca"
    assert cohort["sample_fields"]["her2_ihc"] == "HER2_IHC_SCORE"
    assert cohort["survival"]["km_times"] == [12, 24, 60]


def test_load_yaml_missing_file_and_directory(tmp_path: Path) -> None:
    assert _error(load_yaml, tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: file not found"
    assert _error(load_yaml, tmp_path) == f"{tmp_path}: file not found"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: 1\nb: 2\n  c: 3\n", 3, "mapping values are not allowed here"),
        ("a: [1, 2\nb: 3\n", 2, "expected ',' or ']', but got ':'"),
        ("a: 1\n\tb: 2\n", 2, "found character '\\t' that cannot start any token"),
        ("x: 1\ny: 2\nk: 'unterminated\n", 4, "found unexpected end of stream"),
    ],
)
def test_load_yaml_error_names_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert _error(load_yaml, path) == f"{path}:{line}: invalid YAML ({problem})"


SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "n": {"type": "integer", "minimum": 1},
        "items": {"type": "array", "items": {"enum": ["a", "b"]}},
    },
}


def test_validate_accepts_valid_and_returns_it() -> None:
    obj = {"name": "x", "n": 2, "items": ["a"]}
    assert validate(obj, SCHEMA, "src.yaml") == {"name": "x", "n": 2, "items": ["a"]}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"n": 1}, "src.yaml: (top level): 'name' is a required property"),
        ([], "src.yaml: (top level): [] is not of type 'object'"),
        ({"name": "x", "n": 0}, "src.yaml: n: 0 is less than the minimum of 1"),
        ({"name": "x", "items": ["a", "c"]}, "src.yaml: items/1: 'c' is not one of ['a', 'b']"),
        (
            {"name": 3, "n": "two", "extra": 1},
            # three errors; the first by path is the top-level one (empty path sorts first)
            "src.yaml: (top level): Additional properties are not allowed ('extra' was unexpected)"
            " (+2 more)",
        ),
        ({"name": 3, "n": "two"}, "src.yaml: n: 'two' is not of type 'integer' (+1 more)"),
    ],
)
def test_validate_error_is_one_line_naming_source_and_key(obj, message: str) -> None:
    assert _error(validate, obj, SCHEMA, "src.yaml") == message


def test_load_cohort_merges_vocabularies(tmp_path: Path) -> None:
    override = {"receptor": {"positive": ["POS"]}, "subtype": {"luminal": ["LumA", "LumB"]}}
    folder = _cohort_dir(tmp_path, vocabularies=override)
    config = {"cohort_dir": str(folder), "vocabularies": copy.deepcopy(VOCABULARIES)}
    cohort = load_cohort(config, "mini_brca")
    assert cohort["name"] == "mini_brca"
    assert cohort["path"] == str(folder / "mini_brca.yaml")
    assert cohort["study_id"] == "mini_brca"
    assert cohort["sample_fields"]["primary_er_status"] == "ER_STATUS_PRIMARY"
    assert cohort["patient_fields"] == {"os_months": "OS_MONTHS", "os_status": "OS_STATUS"}
    # a cohort's vocabulary replaces the shared one of that name whole; others are kept
    assert cohort["vocabularies"] == {
        "receptor": {"positive": ["POS"]},
        "os_status": VOCABULARIES["os_status"],
        "subtype": {"luminal": ["LumA", "LumB"]},
    }
    assert config["vocabularies"] == VOCABULARIES  # the shared config is not changed


def test_load_cohort_without_vocabularies_gets_a_copy_of_the_shared_ones() -> None:
    config = {"cohort_dir": str(FIXTURE_COHORTS), "vocabularies": copy.deepcopy(VOCABULARIES)}
    cohort = load_cohort(config, "mini_brca")
    assert cohort["vocabularies"] == VOCABULARIES
    cohort["vocabularies"]["receptor"]["positive"].append("pos")
    assert config["vocabularies"]["receptor"]["positive"] == ["Positive", "+"]


def test_merge_vocabularies_deep_copies() -> None:
    base = copy.deepcopy(VOCABULARIES)
    override = {"os_status": {"event": ["Dead"]}}
    merged = merge_vocabularies(base, override)
    merged["receptor"]["negative"].append("neg")
    merged["os_status"]["event"].append("x")
    assert base == VOCABULARIES and override == {"os_status": {"event": ["Dead"]}}
    assert merge_vocabularies(base, None) == VOCABULARIES


def test_load_cohort_missing_file(tmp_path: Path) -> None:
    config = {"cohort_dir": str(tmp_path), "vocabularies": {}}
    assert _error(load_cohort, config, "absent") == f"{tmp_path / 'absent.yaml'}: file not found"


def test_load_cohort_invalid_yaml_names_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("study_id: c\nsample_fields:\n  age: [AGE\n")
    config = {"cohort_dir": str(tmp_path), "vocabularies": {}}
    message = _error(load_cohort, config, "c")
    assert message.startswith(f"{tmp_path / 'c.yaml'}:4: invalid YAML (")


def test_load_cohort_unknown_field_is_one_line(tmp_path: Path) -> None:
    fields = {"her2_ihc": "HER2_IHC_SCORE", "her2_score": "X"}
    folder = _cohort_dir(tmp_path, sample_fields=fields)
    config = {"cohort_dir": str(folder), "vocabularies": {}}
    assert _error(load_cohort, config, "mini_brca") == (
        f"{folder / 'mini_brca.yaml'}: sample_fields: "
        "Unevaluated properties are not allowed ('her2_score' was unexpected)"
    )


def test_load_cohort_missing_required_is_top_level(tmp_path: Path) -> None:
    folder = tmp_path / "cohorts"
    folder.mkdir()
    (folder / "c.yaml").write_text("study_id: c\n")
    config = {"cohort_dir": str(folder), "vocabularies": {}}
    assert _error(load_cohort, config, "c") == (
        f"{folder / 'c.yaml'}: (top level): 'sample_fields' is a required property"
    )


def test_load_cohort_several_errors_reports_first_by_path_and_counts_rest(tmp_path: Path) -> None:
    folder = _cohort_dir(tmp_path, study_id="bad id!", sample_fields={"age": 5})
    config = {"cohort_dir": str(folder), "vocabularies": {}}
    assert _error(load_cohort, config, "mini_brca") == (
        f"{folder / 'mini_brca.yaml'}: sample_fields/age: 5 is not of type 'string' (+1 more)"
    )
