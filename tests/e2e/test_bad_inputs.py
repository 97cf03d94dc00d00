"""Damaged inputs, run for real: one snakemake run (--keep-going) over many cohorts, each a copy of
the fixture study with one small edit. A malformed input stops its cohort's branch with one line
naming the file (and line or column) in the rule's log and on stderr, and leaves nothing of that
rule under results/; an unusual but valid input is a counted warning in a results file and the
numbers downstream stay computable. Configuration errors stop the whole run before any job, so
they are checked through the library functions common.smk calls (test_bad_config.py)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.conftest import FIXTURES, REPO, run_snakemake, write_config
from her2cohort.io import read_normalized_bytes, read_tsv

pytestmark = pytest.mark.slow
MINI = FIXTURES / "cbioportal" / "mini_brca"


# ------------------------------------------------------------------------------- edit helpers
def _text(path: Path) -> str:
    return read_normalized_bytes(path).decode()


def edit(name: str, fn: Callable[[str], str]) -> Callable[[Path, dict[str, Any]], None]:
    """Rewrite one study file (line endings normalised first)."""

    def damage(study: Path, cohort: dict[str, Any]) -> None:
        path = study / name
        path.write_text(fn(_text(path)))

    return damage


def lines(
    name: str, fn: Callable[[list[str]], list[str]]
) -> Callable[[Path, dict[str, Any]], None]:
    return edit(name, lambda t: "\n".join(fn(t.rstrip("\n").split("\n"))) + "\n")


def header_only(name: str) -> Callable[[Path, dict[str, Any]], None]:
    return lines(
        name,
        lambda ls: (
            [x for x in ls if x.startswith("#")] + [next(x for x in ls if not x.startswith("#"))]
        ),
    )


def cell(name: str, column: str, row: int, value: str) -> Callable[[Path, dict[str, Any]], None]:
    """Set one cell (row counted among the data rows, 0 = first) of a tab-separated file."""

    def fn(ls: list[str]) -> list[str]:
        body = [i for i, x in enumerate(ls) if not x.startswith("#")]
        head = ls[body[0]].split("\t")
        fields = ls[body[1 + row]].split("\t")
        fields[head.index(column)] = value
        ls[body[1 + row]] = "\t".join(fields)
        return ls

    return lines(name, fn)


def rename_column(name: str, old: str, new: str) -> Callable[[Path, dict[str, Any]], None]:
    def fn(ls: list[str]) -> list[str]:
        i = next(i for i, x in enumerate(ls) if not x.startswith("#"))
        ls[i] = "\t".join(new if c == old else c for c in ls[i].split("\t"))
        return ls

    return lines(name, fn)


def cohort_edit(fn: Callable[[dict[str, Any]], None]) -> Callable[[Path, dict[str, Any]], None]:
    return lambda study, cohort: fn(cohort)


def all_values(name: str, column: str, value: str) -> Callable[[Path, dict[str, Any]], None]:
    def fn(ls: list[str]) -> list[str]:
        body = [i for i, x in enumerate(ls) if not x.startswith("#")]
        col = ls[body[0]].split("\t").index(column)
        for i in body[1:]:
            fields = ls[i].split("\t")
            fields[col] = value
            ls[i] = "\t".join(fields)
        return ls

    return lines(name, fn)


def make_dir_instead(name: str) -> Callable[[Path, dict[str, Any]], None]:
    def damage(study: Path, cohort: dict[str, Any]) -> None:
        (study / name).unlink()
        (study / name).mkdir()

    return damage


# ------------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    name: str
    damage: Callable[[Path, dict[str, Any]], None]
    target: str  # under results/<name>/
    rule: str  # the rule that fails (errors) or that writes the warning
    expect: str  # a regex: the one-line error, or the warning found in `where`
    where: str = ""  # warnings: the results file that counts it


MAF, CNA = "data_mutations.txt", "data_cna.txt"
SAMPLE, PATIENT = "data_clinical_sample.txt", "data_clinical_patient.txt"
MANIFEST = "study/manifest.json"
CLINICAL = "clinical/clinical.parquet"

ERRORS = [
    Case(
        "sample_header_only",
        header_only(SAMPLE),
        MANIFEST,
        "import_study",
        rf"{SAMPLE}: no sample rows",
    ),
    Case(
        "patient_header_only",
        header_only(PATIENT),
        MANIFEST,
        "import_study",
        rf"{PATIENT}: no patient rows",
    ),
    Case(
        "duplicated_column",
        rename_column(SAMPLE, "HR_STATUS", "HER2_FISH"),
        MANIFEST,
        "import_study",
        rf"{SAMPLE}: duplicated column\(s\) HER2_FISH",
    ),
    Case(
        "maf_truncated",
        edit(MAF, lambda t: t.rstrip("\n").rsplit("\t", 4)[0]),
        MANIFEST,
        "import_study",
        rf"{MAF}:\d+: \d+ tab-separated fields where the header has \d+",
    ),
    Case(
        "maf_extra_tab",
        lines(MAF, lambda ls: ls[:3] + [ls[3] + "\textra"] + ls[4:]),
        MANIFEST,
        "import_study",
        rf"{MAF}:4: \d+ tab-separated fields where the header has \d+",
    ),
    Case(
        "cna_truncated",
        lines(CNA, lambda ls: ls[:2] + [ls[2].rsplit("\t", 3)[0]] + ls[3:]),
        MANIFEST,
        "import_study",
        rf"{CNA}:3: \d+ tab-separated fields where the header has \d+",
    ),
    Case(
        "cna_bad_value",
        cell(CNA, "P2-T1", 0, "3"),
        MANIFEST,
        "import_study",
        rf"{CNA}: column P2-T1, gene MYC: discrete CNA value '3'",
    ),
    Case(
        "cna_text_value",
        cell(CNA, "P2-T1", 0, "amp"),
        MANIFEST,
        "import_study",
        rf"{CNA}: column P2-T1, gene MYC: discrete CNA value 'amp'",
    ),
    Case(
        "no_sample_id_column",
        rename_column(SAMPLE, "SAMPLE_ID", "SAMPLEID"),
        MANIFEST,
        "import_study",
        rf"{SAMPLE}: no SAMPLE_ID column",
    ),
    Case(
        "empty_sample_id",
        cell(SAMPLE, "SAMPLE_ID", 2, ""),
        MANIFEST,
        "import_study",
        rf"{SAMPLE}: empty SAMPLE_ID on line\(s\) 8",
    ),
    Case(
        "duplicated_sample_id",
        cell(SAMPLE, "SAMPLE_ID", 1, "P1-T1"),
        MANIFEST,
        "import_study",
        rf"{SAMPLE}: duplicated SAMPLE_ID P1-T1",
    ),
    Case(
        "maf_no_hugo",
        rename_column(MAF, "Hugo_Symbol", "Gene"),
        MANIFEST,
        "import_study",
        rf"{MAF}: MAF lacks required column\(s\) Hugo_Symbol",
    ),
    Case(
        "meta_missing_data_file",
        lambda study, cohort: (study / "data_fusions.txt").unlink(),
        MANIFEST,
        "import_study",
        r"meta_fusions.txt: data_filename 'data_fusions.txt' does not exist",
    ),
    Case(
        "meta_bad_line",
        edit("meta_cna.txt", lambda t: t + "this line has no colon\n"),
        MANIFEST,
        "import_study",
        r"meta_cna.txt:\d+: expected 'key: value'",
    ),
    Case(
        "fusion_no_gene",
        rename_column("data_fusions.txt", "Hugo_Symbol", "Gene"),
        MANIFEST,
        "import_study",
        r"data_fusions.txt: .*Hugo_Symbol",
    ),
    Case(
        "maf_is_a_directory",
        make_dir_instead(MAF),
        MANIFEST,
        "import_study",
        rf"meta_mutations.txt: data_filename '{MAF}' is not a file",
    ),
    Case(
        "study_not_found",
        cohort_edit(lambda c: c.update(study_id="no_such_study")),
        MANIFEST,
        "import_study",
        r"no_such_study.*not found",
    ),
    Case(
        "api_unreachable",  # source: api against a closed local port (the run's api settings)
        cohort_edit(lambda c: c.update(source="api")),
        MANIFEST,
        "import_study",
        r"GET /studies/api_unreachable: .*gave up after 1 attempts",
    ),
    Case(
        "mapped_column_missing",
        cohort_edit(lambda c: c["sample_fields"].update(her2_ihc="HER2_IHC_SCOREX")),
        CLINICAL,
        "clinical",
        r"sample_fields.her2_ihc maps to column 'HER2_IHC_SCOREX', which .* does not have",
    ),
    Case(
        "vocabulary_not_defined",
        cohort_edit(lambda c: c["sample_fields"].update(subtype="SAMPLE_TYPE")),
        CLINICAL,
        "clinical",
        r"field subtype is mapped but vocabulary 'subtype' is not defined",
    ),
]

WARNINGS = [
    Case(
        "cna_duplicated_gene",
        lines(CNA, lambda ls: ls[:2] + [ls[1].replace("\t2", "\t-2")] + ls[2:]),
        "alterations/summary.tsv",
        "import_study",
        r"data_cna.txt: 1 duplicated gene row\(s\) dropped, the first row of each gene kept \(MYC\)",
        MANIFEST,
    ),
    Case(
        "unparsed_ihc",
        cell(SAMPLE, "HER2_IHC_SCORE", 0, "4+ (weird)"),
        "her2/summary.tsv",
        "harmonize_her2",
        r"her2_ihc\tHER2_IHC_SCORE\t4\+ \(weird\)\t1\tunparsed",
        "her2/asco_cap_2018/audit.tsv",
    ),
    Case(
        "os_status_not_in_vocabulary",
        cell(PATIENT, "OS_STATUS", 0, "1:DEAD"),
        CLINICAL,
        "clinical",
        r"os_status\tOS_STATUS\t1:DEAD\t2\tnot in vocabulary",  # P1: two samples
        "clinical/warnings.tsv",
    ),
    Case(
        "age_not_a_number",
        cell(SAMPLE, "INVASIVE_CARCINOMA_DX_AGE", 0, "fifty"),
        CLINICAL,
        "clinical",
        r"age\tINVASIVE_CARCINOMA_DX_AGE\tfifty\t1\tnot a number",
        "clinical/warnings.tsv",
    ),
    Case(
        "no_deaths",
        all_values(PATIENT, "OS_STATUS", "0:LIVING"),
        "survival/claims.tsv",
        "survival_tables",
        r"not testable\tnot fitted: no deaths among \d+ patients",
        "survival/claims.tsv",
    ),
    Case(
        "negative_os",
        cell(PATIENT, "OS_MONTHS", 0, "-3"),
        "survival/warnings.tsv",
        "survival_tables",
        r"her2_all\toutcome\tnegative OS time\t1\texcluded",
        "survival/warnings.tsv",
    ),
    Case(
        "na_cna_cell",
        cell(CNA, "P1-T1", 0, "NA"),
        "figures/enrichment_share_asco_cap_2018.png",
        "alteration_matrix",
        r"MYC_amp\t",
        "alterations/summary.tsv",
    ),
]


@pytest.fixture(scope="module")
def damaged_run(tmp_path_factory) -> tuple[Path, Any]:
    base = tmp_path_factory.mktemp("bad_inputs")
    work, mirror = base / "work", base / "mirror"
    (work / "cohorts").mkdir(parents=True)
    template = yaml.safe_load((FIXTURES / "config" / "cohorts" / "mini_brca.yaml").read_text())
    for case in ERRORS + WARNINGS:
        study = mirror / case.name
        shutil.copytree(MINI, study)
        for meta in study.glob("meta_*.txt"):
            meta.write_text(_text(meta).replace("mini_brca", case.name))
        for lst in (study / "case_lists").glob("*.txt"):
            lst.write_text(_text(lst).replace("mini_brca", case.name))
        cohort = json.loads(json.dumps({**template, "study_id": case.name}))
        case.damage(study, cohort)
        (work / "cohorts" / f"{case.name}.yaml").write_text(yaml.safe_dump(cohort))
    write_config(
        work,
        {
            "cohorts": [c.name for c in ERRORS + WARNINGS],
            "cohort_dir": str(work / "cohorts"),
            "mirrors": [str(mirror)],
            "alterations": str(REPO / "config" / "alterations.yaml"),
            "published_table": str(REPO / "config" / "published" / "her2_low_table.tsv"),
            "claims": str(REPO / "config" / "claims.yaml"),
            "api": {
                "base_url": "http://127.0.0.1:9/api",
                "max_attempts": 1,
                "cache_dir": str(base / "cache"),
            },
        },
    )
    targets = [f"results/{c.name}/{c.target}" for c in ERRORS + WARNINGS]
    proc = run_snakemake(work, "--keep-going", *targets, timeout=1500)
    return work, proc


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c.name)
def test_malformed_input_is_one_line_and_leaves_nothing(damaged_run, case: Case) -> None:
    work, proc = damaged_run
    log = (work / "logs" / case.rule / f"{case.name}.log").read_text()
    errors = [x for x in log.splitlines() if " ERROR " in x]
    assert len(errors) == 1 and re.search(case.expect, errors[0]), log[-2000:]
    assert "Traceback" not in log
    one_line = [x for x in proc.stderr.splitlines() if x.startswith("her2cohort error:")]
    assert any(
        re.search(case.expect, x) and case.name in x or re.search(case.expect, x) for x in one_line
    )
    stage = {"import_study": "study", "clinical": "clinical"}[case.rule]
    left = [p for p in (work / "results" / case.name / stage).rglob("*") if p.is_file()]
    assert left == [], left


@pytest.mark.parametrize("case", WARNINGS, ids=lambda c: c.name)
def test_unusual_input_is_a_counted_warning(damaged_run, case: Case) -> None:
    work, proc = damaged_run
    res = work / "results" / case.name
    assert (res / case.target).is_file(), proc.stderr[-3000:]
    text = (res / case.where).read_text()
    assert re.search(case.expect, text), text[-2000:]


def test_run_failed_only_on_the_damaged_branches(damaged_run) -> None:
    work, proc = damaged_run
    assert proc.returncode != 0
    failed = set(re.findall(r"Error in rule (\w+):", proc.stderr))
    assert failed == {"import_study", "clinical"}, proc.stderr[-3000:]


def test_na_cna_cell_still_draws(damaged_run) -> None:
    work, _ = damaged_run
    summary = read_tsv(work / "results" / "na_cna_cell" / "alterations" / "summary.tsv")
    assert summary.set_index("alteration").loc["MYC_amp", "n_not_profiled"] >= 0
