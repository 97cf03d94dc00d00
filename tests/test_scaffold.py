"""her2cohort.scaffold and ``her2cohort new-cohort``: the draft cohort file a study gets.

A draft is read as its user reads it: settled lines ``field: COLUMN``, active UNCERTAIN lists
``field: [A, B]`` and commented-out UNCERTAIN lists ``# field: [A, B]``; resolving means keeping
one column of an UNCERTAIN line (uncommenting it) or deleting the line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, shared_study
from her2cohort.cli import draft_cohort, main
from her2cohort.config import load_yaml, validate
from her2cohort.errors import DataError
from her2cohort.io import read_normalized_bytes
from her2cohort.scaffold import (
    GRAMMARS,
    SPECS,
    Column,
    canonical_fields,
    is_missing,
    propose,
    spec_of,
    words_of,
)

VOCABS = {
    "receptor": {"positive": ["Positive"], "negative": ["Negative"], "unknown": ["Unknown"]},
    "os_status": {"event": ["1:DECEASED", "DECEASED"], "censored": ["0:LIVING", "LIVING"]},
    "sample_type": {"primary": ["Primary"], "metastasis": ["Metastasis"]},
}
_LINE = re.compile(r"^  (# )?(\w+): (\[(.*?)\]|\S+)  # (UNCERTAIN)?")


def parse_draft(text: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(section, field) -> (kind, columns): kind ``settled``, ``uncertain`` or ``commented``."""
    out: dict[tuple[str, str], tuple[str, list[str]]] = {}
    section = ""
    for line in text.splitlines():
        if re.match(r"^(sample_fields|patient_fields):", line):
            section = line.split(":")[0]
        elif m := _LINE.match(line):
            commented, field, value, listed, uncertain = m.groups()
            assert bool(uncertain) == (listed is not None), line
            kind = "commented" if commented else "uncertain" if uncertain else "settled"
            assert (section, field) not in out, line
            out[section, field] = (kind, listed.split(", ") if listed is not None else [value])
    return out


def settled(text: str) -> dict[tuple[str, str], str]:
    return {key: cols[0] for key, (kind, cols) in parse_draft(text).items() if kind == "settled"}


def resolve(text: str, choose: dict[tuple[str, str], str]) -> str:
    """Edit only the UNCERTAIN lines: keep ``choose``'s column where it names the field (which must
    be one the line offers), delete the line otherwise."""
    out, section = [], ""
    for line in text.splitlines():
        if m := re.match(r"^(sample_fields|patient_fields):", line):
            section = m.group(1)
            line = f"{section}:"
        elif "# UNCERTAIN" in line and (m := _LINE.match(line)):
            field, offered = m.group(2), m.group(4).split(", ")
            if (section, field) not in choose:
                continue
            assert choose[section, field] in offered, line
            line = f"  {field}: {choose[section, field]}"
        out.append(line)
    return "\n".join(out) + "\n"


def as_cohort(text: str) -> dict[str, Any]:
    """The draft as a validated cohort mapping (empty sections as empty mappings)."""
    cohort = yaml.safe_load(text)
    for section in ("sample_fields", "patient_fields"):
        if section in cohort and cohort[section] is None:
            cohort[section] = {}
    valid: dict[str, Any] = validate(cohort, "cohort", "draft")
    return valid


# ------------------------------------------------------------------------- value grammars
@pytest.mark.parametrize(
    ("kind", "yes", "no"),
    [
        ("ihc", ["0", "1+", "0-1+", "2+ (focal)", "3+ (2+ outside)"], ["Positive", "4+", "0-2+"]),
        ("ish_status", ["Amplified", "Not amplified", "Negative (outside)"], ["1.3", "Gain"]),
        ("ish_ratio", ["1.1", "2 (CN 4.8)", "1.8, MSK failed"], ["Positive", "75"]),
        ("copy_number", ["4.2", "79"], ["not amplified", "high"]),
        ("receptor", ["Positive", "neg", "+", "Negative (Outside Positive)"], ["Yes", "HR+/HER2-"]),
        ("os_status", ["1:DECEASED", "0:LIVING", "DECEASED", "Living", "Alive"], ["1", "Died"]),
        ("sample_type", ["Primary", "Metastasis", "Primary Solid Tumor"], ["Liver", "Normal"]),
        ("subtype", ["LumA", "BRCA_Her2", "claudin-low", "Basal"], ["NC", "HER2+", "IDC"]),
        ("stage", ["IIA", "STAGE IIIC", "4", "IV"], ["T2", "N0", "6TH"]),
        ("months", ["0", "12.5", "600"], ["-1", "601", "12 mo"]),
        ("age", ["48", "0.5"], ["121", "old"]),
    ],
)
def test_value_grammars(kind: str, yes: list[str], no: list[str]) -> None:
    assert [v for v in yes if not GRAMMARS[kind](v)] == []
    assert [v for v in no if GRAMMARS[kind](v)] == []


def test_missing_values_and_every_canonical_field_recognised() -> None:
    assert all(map(is_missing, ["NA", "Not Applicable", "[Not Evaluated]", "Unk/ND", "null"]))
    assert not any(map(is_missing, ["0", "Negative", "Indeterminate"]))
    fields = canonical_fields()
    assert len(fields) == 27 and "primary_her2_ish_copy_number" in fields
    assert {spec_of(f)[0].kind for f in fields} <= set(GRAMMARS)
    assert set(SPECS) == {f.removeprefix("primary_") for f in fields}


# ------------------------------------------------------------------------- a tiny study
def _write_study(root: Path, sample: dict[str, list[str]], patient: dict[str, list[str]]) -> Path:
    """A study folder: meta files and clinical files with '#' display and description rows."""
    root.mkdir(parents=True)
    (root / "meta_study.txt").write_text(
        "type_of_cancer: brca\ncancer_study_identifier: tiny_brca\nname: Tiny BRCA\n"
    )
    for level, columns in (("sample", sample), ("patient", patient)):
        datatype = f"{level.upper()}_ATTRIBUTES"
        (root / f"meta_clinical_{level}.txt").write_text(
            "cancer_study_identifier: tiny_brca\ngenetic_alteration_type: CLINICAL\n"
            f"datatype: {datatype}\ndata_filename: data_clinical_{level}.txt\n"
        )
        names = list(columns)
        rows = [
            "#" + "\t".join(n.replace("_", " ").title() for n in names),
            "#" + "\t".join(n.replace("_", " ").lower() for n in names),
            "#" + "\t".join("STRING" for _ in names),
            "#" + "\t".join("1" for _ in names),
            "\t".join(names),
        ]
        rows += ["\t".join(vals) for vals in zip(*columns.values(), strict=True)]
        (root / f"data_clinical_{level}.txt").write_text("\n".join(rows) + "\n")
    return root


N = 20
IDS = [f"P{i}" for i in range(N)]
CLEAN_SAMPLE = {
    "SAMPLE_ID": [f"S{i}" for i in range(N)],
    "PATIENT_ID": IDS,
    "SAMPLE_TYPE": ["Primary", "Metastasis"] * (N // 2),
    "HER2_IHC_SCORE": ["0", "1+", "2+", "3+", "NA"] * (N // 5),
    "HER2_FISH": ["Amplified", "Not amplified", "Equivocal", "NA"] * (N // 4),
    "HER2_FISH_RATIO": ["1.1", "2.4 (CN 5.1)", "NA", "0.9"] * (N // 4),
}
CLEAN_PATIENT = {
    "PATIENT_ID": IDS,
    "OS_MONTHS": [str(3.5 * i) for i in range(N)],
    "OS_STATUS": ["DECEASED", "LIVING", "LIVING", "[Not Available]"] * (N // 4),
}


def test_tiny_clean_study_settles_everything_and_validates(tmp_path: Path) -> None:
    text, found = draft_cohort(_write_study(tmp_path / "tiny", CLEAN_SAMPLE, CLEAN_PATIENT), VOCABS)
    assert "UNCERTAIN: " not in text and all(not ln.reason for ln in found.lines)
    assert settled(text) == {
        ("sample_fields", "sample_type"): "SAMPLE_TYPE",
        ("sample_fields", "her2_ihc"): "HER2_IHC_SCORE",
        ("sample_fields", "her2_ish_status"): "HER2_FISH",
        ("sample_fields", "her2_ish_ratio"): "HER2_FISH_RATIO",
        ("patient_fields", "os_months"): "OS_MONTHS",
        ("patient_fields", "os_status"): "OS_STATUS",
    }
    cohort = as_cohort(text)
    assert cohort["study_id"] == "tiny_brca" and cohort["label"] == "Tiny BRCA"
    assert "her2_ihc: HER2_IHC_SCORE  # by name; 100% of 16 values parse as IHC scores" in text
    # every vocabulary value of the proposed columns is listed, or none is missing
    assert found.misses == {"os_status": {"[Not Available]": [("OS_STATUS", 5)]}}
    assert '#     "[Not Available]"  # OS_STATUS (5)' in text


def test_tiny_study_grammar_based_detection(tmp_path: Path) -> None:
    sample = {
        **CLEAN_SAMPLE,
        "SAMPLE_TYPE": ["Primary"] * N,
        # named like an IHC score, but only 75% of its values parse
        "HER2_IHC_SCORE": ["1+", "2+", "weak", "0"] * (N // 4),
        # no telling name: IHC scores and an ISH status by their values only
        "COL_X": ["0", "1+", "2+", "3+"] * (N // 4),
        "COL_Y": ["Amplified", "Not amplified"] * (N // 2),
        # two columns named like the ER status
        "ER_STATUS": ["Positive", "Negative"] * (N // 2),
        "ER_STATUS_IHC": ["Positive", "Negative", "Weak", "Positive"] * (N // 4),
        # a number of months by name, but negative: not months
        "DFS_MONTHS": [str(i - 5) for i in range(N)],
    }
    patient = {
        "PATIENT_ID": IDS,
        # patient-level HER2 results: the primary tumour's, under patient_fields
        "HER2_IHC": ["0", "1+", "2+", "3+"] * (N // 4),
        "HER2_FISH_RATIO": ["1.2", "2.2", "NA", "3.1"] * (N // 4),
        # OS by values only: a neutral name
        "FOLLOW": [str(1.5 * i) for i in range(N)],
        "STATE": ["1:DECEASED", "0:LIVING", "0:LIVING", "Dead"] * (N // 4),
    }
    text, found = draft_cohort(_write_study(tmp_path / "tiny", sample, patient), VOCABS)
    lines = parse_draft(text)
    assert lines["sample_fields", "sample_type"] == ("settled", ["SAMPLE_TYPE"])
    assert lines["sample_fields", "her2_ihc"] == ("uncertain", ["HER2_IHC_SCORE", "COL_X"])
    assert "her2_ihc: [HER2_IHC_SCORE, COL_X]  # UNCERTAIN: only 75% of HER2_IHC_SCORE's" in text
    assert lines["sample_fields", "her2_ish_status"] == ("settled", ["HER2_FISH"])
    assert lines["sample_fields", "er_status"][0] == "uncertain"
    assert "er_status: [ER_STATUS, ER_STATUS_IHC]  # UNCERTAIN: 2 columns are named like it" in text
    assert lines["patient_fields", "primary_her2_ihc"] == ("settled", ["HER2_IHC"])
    # COL_X may be the primary tumour's too, but primary_her2_ihc is settled in the patient file
    assert ("sample_fields", "primary_her2_ihc") not in lines
    assert lines["patient_fields", "primary_her2_ish_ratio"] == ("settled", ["HER2_FISH_RATIO"])
    assert ("patient_fields", "her2_ihc") not in lines  # patient-level: primary_ only
    assert lines["patient_fields", "os_months"] == ("commented", ["FOLLOW"])
    assert lines["patient_fields", "os_status"] == ("commented", ["STATE"])
    assert (
        "# os_status: [STATE]  # UNCERTAIN: found by values only; OS statuses: STATE (values, 100%"
        in text
    )
    assert not any("DFS_MONTHS" in cols for _, cols in lines.values())
    # the active UNCERTAIN lists keep the draft from validating until they are resolved
    with pytest.raises(DataError, match="is not of type 'string'"):
        as_cohort(text)
    choose = {("sample_fields", "her2_ihc"): "COL_X", ("patient_fields", "os_status"): "STATE"}
    cohort = as_cohort(resolve(text, choose))
    assert cohort["sample_fields"]["her2_ihc"] == "COL_X"
    assert cohort["patient_fields"]["os_status"] == "STATE"
    assert "er_status" not in cohort["sample_fields"]
    # values the vocabularies lack, from active lines only (ER_STATUS_IHC's 'Weak', not STATE's)
    assert found.misses == {"receptor": {"Weak": [("ER_STATUS_IHC", 5)]}}


def test_cli_writes_the_draft_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _write_study(tmp_path / "tiny", CLEAN_SAMPLE, CLEAN_PATIENT)
    config = str(REPO / "config" / "config.yaml")
    out = tmp_path / "draft.yaml"
    assert main(["new-cohort", str(study), "--out", str(out), "--config", config]) == 0
    assert "wrote" in capsys.readouterr().err and settled(out.read_text())
    assert main(["new-cohort", str(study), "--out", str(out), "--config", config]) == 1
    assert (
        capsys.readouterr().err == f"her2cohort error: {out}: exists (pass --force to replace it)\n"
    )
    assert main(["new-cohort", str(tmp_path), "--config", config]) == 1
    assert "no meta_study.txt" in capsys.readouterr().err
    assert main(["new-cohort", str(study), "--config", str(tmp_path / "no.yaml")]) == 1
    assert "no.yaml: file not found" in capsys.readouterr().err


def test_cli_as_module_and_console_script(tmp_path: Path) -> None:
    study = _write_study(tmp_path / "tiny", CLEAN_SAMPLE, CLEAN_PATIENT)
    run = subprocess.run(
        [sys.executable, "-m", "her2cohort.cli", "new-cohort", str(study)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and run.stdout.startswith("# Draft cohort file for tiny_brca")
    scripts = load_toml(REPO / "pyproject.toml")["project"]["scripts"]
    assert scripts == {"her2cohort": "her2cohort.cli:main"}


def load_toml(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    tomllib = pytest.importorskip("tomllib")
    toml: dict[str, dict[str, dict[str, str]]] = tomllib.loads(path.read_text())
    return toml


# ------------------------------------------------------------------------- the real studies
HER2_OS = re.compile(r"her2|^os_")
TCGA = {
    ("patient_fields", "primary_her2_ihc"): "HER2_IHC_SCORE",
    ("patient_fields", "primary_her2_ish_status"): "HER2_FISH_STATUS",
    ("patient_fields", "primary_her2_ish_ratio"): "HER2_CENT17_RATIO",
    ("patient_fields", "primary_her2_ish_copy_number"): "HER2_COPY_NUMBER",
    ("patient_fields", "primary_her2_ihc_status"): "IHC_HER2",
    ("patient_fields", "os_months"): "OS_MONTHS",
    ("patient_fields", "os_status"): "OS_STATUS",
}


def shipped(study_id: str) -> dict[tuple[str, str], str]:
    """(section, field) -> column of a shipped cohort file."""
    cohort = load_yaml(REPO / "config" / "cohorts" / f"{study_id}.yaml")
    return {
        (section, field): column
        for section in ("sample_fields", "patient_fields")
        for field, column in (cohort.get(section) or {}).items()
    }


@pytest.fixture(scope="module")
def shared_vocabularies() -> dict[str, Any]:
    vocabularies: dict[str, Any] = load_yaml(REPO / "config" / "config.yaml")["vocabularies"]
    return vocabularies


@pytest.mark.real
@pytest.mark.parametrize("study_id", ["breast_msk_2018", "brca_metabric", "brca_tcga_mc3"])
def test_real_study_maps_the_shipped_her2_and_os_columns(
    study_id: str, shared_vocabularies: dict[str, Any]
) -> None:
    text, _ = draft_cohort(shared_study(study_id), shared_vocabularies)
    found = {key: col for key, col in settled(text).items() if HER2_OS.search(key[1])}
    if study_id == "brca_tcga_mc3":
        expected = TCGA
    else:
        expected = {key: col for key, col in shipped(study_id).items() if HER2_OS.search(key[1])}
    assert found == expected
    named = {
        "breast_msk_2018": ["her2_ihc", "her2_ish_status", "her2_ish_ratio", "primary_her2_ihc"]
        + ["primary_her2_ish_status", "primary_her2_ish_ratio", "os_months", "os_status"],
        "brca_metabric": ["her2_status", "os_months", "os_status"],
        "brca_tcga_mc3": [field for _, field in TCGA],
    }[study_id]
    assert set(named) <= {field for _, field in found}
    # resolved by keeping each UNCERTAIN line's first column, the draft is a valid cohort file
    first = {key: cols[0] for key, (kind, cols) in parse_draft(text).items() if kind == "uncertain"}
    as_cohort(resolve(text, first))


def relabel(src: Path, dest: Path, rename: dict[str, str], neutral_text: bool) -> Path:
    """Copy a study's clinical and meta files and case lists under a new study id, mapped columns
    renamed (and, with ``neutral_text``, their display names and descriptions too)."""
    (dest / "case_lists").mkdir(parents=True)
    old_id = src.name
    for path in [*src.glob("meta_*.txt"), *src.glob("case_lists/*.txt")]:
        text = read_normalized_bytes(path).decode().replace(old_id, "relabeled_brca")
        (dest / path.relative_to(src)).write_text(text)
    for meta in ("meta_mutations.txt", "meta_cna.txt", "meta_fusions.txt"):
        (dest / meta).unlink(missing_ok=True)
    (dest / "meta_gene_panel_matrix.txt").unlink(missing_ok=True)
    for name in ("data_clinical_sample.txt", "data_clinical_patient.txt"):
        lines = read_normalized_bytes(src / name).decode().split("\n")
        header = lines[4].split("\t")
        for row in [0, 1, 4] if neutral_text else [4]:
            cells = lines[row].lstrip("#").split("\t")
            cells = [rename.get(col, cell) for col, cell in zip(header, cells, strict=True)]
            lines[row] = ("#" if row < 4 else "") + "\t".join(cells)
        (dest / name).write_text("\n".join(lines))
    return dest


@pytest.mark.real
@pytest.mark.parametrize("neutral_text", [False, True], ids=["ids", "ids+display+description"])
def test_relabeled_study_is_right_after_editing_only_uncertain_lines(
    tmp_path: Path, neutral_text: bool, shared_vocabularies: dict[str, Any]
) -> None:
    source = shipped("breast_msk_2018")
    mapped = sorted(set(source.values()))
    rename = {col: f"COL_{chr(ord('A') + i)}" for i, col in enumerate(mapped)}
    expected = {key: rename[col] for key, col in source.items()}
    study = relabel(
        shared_study("breast_msk_2018"), tmp_path / "relabeled_brca", rename, neutral_text
    )
    text, _ = draft_cohort(study, shared_vocabularies)
    assert "study_id: relabeled_brca" in text and not re.search(
        r"\b(HER2_IHC_SCORE|OS_MONTHS)\b", text
    )
    draft = settled(text)
    # every line not marked UNCERTAIN already maps what the shipped file maps
    assert {key: col for key, col in draft.items() if expected.get(key) != col} == {}
    if not neutral_text:  # display names still say what each column is
        assert draft == expected
    cohort = as_cohort(resolve(text, expected))
    assert {
        (s, f): c for s in ("sample_fields", "patient_fields") for f, c in cohort[s].items()
    } == expected


def test_settled_lines_never_share_a_column_or_a_field() -> None:
    months = (("12.5", 3), ("40", 2), ("7.1", 4))
    status = (("Positive", 5), ("Negative", 4))
    columns = [
        Column("OS_MONTHS", "sample", words_of("OS_MONTHS"), "none", months),
        Column("OS_MONTHS", "patient", words_of("OS_MONTHS"), "none", months),
        Column("ER_PR_STATUS", "sample", words_of("ER_PR_STATUS"), "none", status),
    ]
    lines = {(ln.section, ln.field): ln.reason for ln in propose(columns, canonical_fields())}
    assert lines == {
        ("sample_fields", "os_months"): "named like it in both files",
        ("patient_fields", "os_months"): "named like it in both files",
        ("sample_fields", "er_status"): "ER_PR_STATUS is proposed for another field too",
        ("sample_fields", "pr_status"): "ER_PR_STATUS is proposed for another field too",
        # unsettled, the column stays offered for the primary tumour's fields too
        (
            "sample_fields",
            "primary_er_status",
        ): "ER_PR_STATUS does not say it describes the primary tumour",
        (
            "sample_fields",
            "primary_pr_status",
        ): "ER_PR_STATUS does not say it describes the primary tumour",
    }
