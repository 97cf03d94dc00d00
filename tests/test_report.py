"""her2cohort.report: the numbers of the summary page, its tables, and the rendered HTML."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest

from her2cohort.headline import headline
from her2cohort.io import write_tsv
from her2cohort.report import (
    _fmt,
    _rst_table,
    cohort_summary,
    config_hash,
    input_row,
    render,
    summary_context,
    survival_claim_rows,
    survival_sentence,
)

REPORT_DIR = Path(__file__).resolve().parents[1] / "workflow" / "report"
ENRICHMENT_COLUMNS = [
    "alteration",
    "n_altered",
    "status",
    "fisher_p",
    "pct_her2_low",
    "pct_her2_low_unaltered",
    "n_her2_low",
    "n_evaluable",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "bh_q",
    "mh_odds_ratio",
    "mh_p",
]


def test_config_hash(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("study_id: a\n")
    b.write_text("study_id: b\n")
    config = {"cohorts": ["a", "b"], "her2": {"rules": ["ihc_only"], "x": 1.5}}
    expected = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    expected.update(a.read_bytes())
    expected.update(b.read_bytes())
    digest = config_hash(config, [b, str(a)])
    assert digest == expected.hexdigest()  # files hashed in sorted path order
    reordered = {"her2": {"x": 1.5, "rules": ["ihc_only"]}, "cohorts": ["a", "b"]}
    assert config_hash(reordered, [a, b]) == digest
    assert config_hash({**config, "cohorts": ["a"]}, [a, b]) != digest
    b.write_text("study_id: b2\n")
    assert config_hash(config, [a, b]) != digest


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (None, 3, "NA"),
        (float("nan"), 3, "NA"),
        (np.nan, 3, "NA"),
        (0.123456, 3, "0.123"),
        (0.123456, 2, "0.12"),
        (1234567.0, 3, "1.23e+06"),
        (np.float64(2.0), 3, "2"),
        (7, 3, "7"),
        (np.int64(12345), 3, "12345"),
        ("HER2-low", 3, "HER2-low"),
        (True, 3, "True"),
    ],
)
def test_fmt(value, digits: int, text: str) -> None:
    assert _fmt(value, digits) == text


def test_rst_table_empty_and_escaping() -> None:
    assert _rst_table(pd.DataFrame({"a": []})) == "*(none)*\n"
    frame = pd.DataFrame({"name|x": ["a|b", "*c*"], "p": [0.000123456, None], "s": ["", "t"]})
    assert _rst_table(frame, digits=2) == (
        ".. list-table::\n"
        "   :header-rows: 1\n"
        "\n"
        "   * - name/x\n"
        "     - p\n"
        "     - s\n"
        "   * - a/b\n"
        "     - 0.00012\n"
        "     - ..\n"
        "   * - \\*c\\*\n"
        "     - NA\n"
        "     - t\n"
    )


def _study_files(tmp_path: Path, with_survival: bool = True) -> dict[str, str]:
    manifest = {
        "study_id": "toy_study",
        "source": "folder",
        "imported_at": "2024-05-01T10:00:00+00:00",
        "n_samples": 10,
        "n_patients": 9,
        "notes": ["panel B has no CNA"],
        "inputs": [
            {"path": "/data/toy_study/data_clinical_sample.txt", "size": 10, "sha256": "ab" * 32}
        ],
        "packages": {"pandas": "2.2.2"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    her2 = pd.DataFrame(
        {
            "rule": ["ihc_only"] * 3 + ["asco_cap_2018"] * 4,
            "zero_one_plus": ["low"] * 3 + ["zero"] * 4,
            "her2_category": ["HER2-0", "HER2-low", "HER2-positive"] * 2 + ["unknown"],
            "n": [2, 6, 2, 4, 4, 1, 1],
            "default": [False] * 3 + [True] * 4,
        }
    )
    write_tsv(her2, tmp_path / "her2_summary.tsv")
    published = pd.DataFrame(
        {
            "alteration": ["ESR1_mut", "PIK3CA_mut", "TP53_mut"],
            "n_her2_low": [3, 4, 1],
            "n_evaluable": [6, 8, 10],
            "published_n_her2_low": [3, 5, None],
            "published_n_evaluable": [6, 8, None],
            "match": ["yes", "no", "not published"],
        }
    )
    write_tsv(published, tmp_path / "published.tsv")
    p = [0.5, 0.01, 0.2, 0.003, 0.9, 0.04, 0.3, 0.07]
    computed = pd.DataFrame(
        {
            "alteration": [f"ALT{i}" for i in range(8)],
            "n_altered": 5,
            "status": "computed",
            "fisher_p": p,
            "pct_her2_low": [40.04 + i for i in range(8)],
            "pct_her2_low_unaltered": 30.06,
            "n_her2_low": 2,
            "n_evaluable": 5,
            "odds_ratio": 1.5,
            "or_ci_low": 0.5,
            "or_ci_high": 4.0,
            "bh_q": [x * 2 for x in p],
            "mh_odds_ratio": 1.4,
            "mh_p": [x * 1.1 for x in p],
        }
    )
    rare = {"alteration": "RARE", "n_altered": 1, "status": "not computed: fewer than 3 altered"}
    enrichment = pd.concat([computed, pd.DataFrame([rare])], ignore_index=True)
    assert enrichment.columns.tolist() == ENRICHMENT_COLUMNS
    write_tsv(enrichment, tmp_path / "enrichment.tsv")
    warnings = pd.DataFrame(
        {
            "field": ["er_status", "age"],
            "column": ["ER", "AGE"],
            "value": ["Neg", "fifty"],
            "count": [2, 1],
            "action": ["not in vocabulary: treated as unknown", "not a number: treated as missing"],
        }
    )
    write_tsv(warnings, tmp_path / "clinical_warnings.tsv")
    files = {
        "manifest": str(tmp_path / "manifest.json"),
        "her2_summary": str(tmp_path / "her2_summary.tsv"),
        "published": str(tmp_path / "published.tsv"),
        "enrichment": str(tmp_path / "enrichment.tsv"),
        "clinical_warnings": str(tmp_path / "clinical_warnings.tsv"),
    }
    if with_survival:
        sw = pd.DataFrame(
            {
                "analysis": ["her2_all", "her2_all", "her2_all", "her2_all", "her2_all__ihc_only"],
                "check": ["patients", "events", "missing time", "negative time", "missing time"],
                "action": ["start", "kept (3 deaths)", "dropped", "dropped", "dropped"],
                "count": [9, 3, 2, 0, 4],
            }
        )
        write_tsv(sw, tmp_path / "survival_warnings.tsv")
        claims = pd.DataFrame(
            {
                "claim": ["her2_low_vs_zero"],
                "analysis": ["her2_all"],
                "truncation": ["left"],
                "primary": [True],
                "estimate_of": ["HR group:HER2-low"],
                "estimate": [0.91234],
                "ci_low": [0.5],
                "ci_high": [1.6],
                "p": [0.7512],
                "verdict": ["inconclusive"],
                "internal_note": ["not shown"],
            }
        )
        write_tsv(claims, tmp_path / "claims.tsv")
        files["survival_warnings"] = str(tmp_path / "survival_warnings.tsv")
        files["claims"] = str(tmp_path / "claims.tsv")
    return files


def _table_rows(rst: str) -> list[list[str]]:
    """The rows of a list-table written by _rst_table (header first)."""
    rows: list[list[str]] = []
    for line in rst.splitlines():
        if line.startswith("   * - "):
            rows.append([line[7:]])
        elif line.startswith("     - "):
            rows[-1].append(line[7:])
    return rows


def test_cohort_summary_numbers(tmp_path: Path) -> None:
    out = cohort_summary("toy", "Toy cohort", _study_files(tmp_path), "asco_cap_2018", ["no ISH"])
    assert {k: out[k] for k in ("name", "label", "study_id", "source", "imported_at")} == {
        "name": "toy",
        "label": "Toy cohort",
        "study_id": "toy_study",
        "source": "folder",
        "imported_at": "2024-05-01T10:00:00+00:00",
    }
    assert (out["n_samples"], out["n_patients"]) == (10, 9)
    assert out["notes"] == ["panel B has no CNA"] and out["her2_notes"] == ["no ISH"]
    assert out["default_rule"] == "asco_cap_2018"
    assert out["packages"] == {"pandas": "2.2.2"} and len(out["inputs"]) == 1
    # HER2 counts: one row per rule set, categories as columns (missing count: NA)
    assert _table_rows(out["her2_table"]) == [
        ["rule", "zero_one_plus", "HER2-0", "HER2-low", "HER2-positive", "unknown"],
        ["asco_cap_2018", "zero", "4", "4", "1", "1"],
        ["ihc_only", "low", "2", "6", "2", "NA"],
    ]
    # replication: rows with a published value only
    assert out["replication"] == "1 / 2"
    assert [r[0] for r in _table_rows(out["replication_table"])] == [
        "alteration",
        "ESR1_mut",
        "PIK3CA_mut",
    ]
    # enrichment: 8 of 9 computed, the 6 smallest Fisher p shown in order, pct rounded
    assert (out["n_alterations"], out["n_computed"]) == (9, 8)
    enrichment = _table_rows(out["enrichment_table"])
    assert enrichment[0][:5] == ["alteration", "n_her2_low", "n_evaluable", "pct", "baseline"]
    assert enrichment[0][-1] == "mh_p" and len(enrichment[0]) == 11
    assert [r[0] for r in enrichment[1:]] == ["ALT3", "ALT1", "ALT5", "ALT7", "ALT2", "ALT6"]
    assert enrichment[1][3:5] == ["43", "30.1"]  # 43.04 -> 43.0 -> '43' (3 significant digits)
    assert _table_rows(out["not_computed"]) == [
        ["alteration", "n_altered", "status"],
        ["RARE", "1", "not computed: fewer than 3 altered"],
    ]


def test_cohort_summary_warnings_and_claims(tmp_path: Path) -> None:
    out = cohort_summary("toy", "Toy", _study_files(tmp_path), "asco_cap_2018")
    assert out["her2_notes"] == []
    # counted problems only: no 'start'/'kept' information rows, no zero counts, no sensitivity
    # ('__') analyses
    assert _table_rows(out["warnings_table"]) == [
        ["source", "item", "count"],
        ["clinical vocabulary", "er_status = 'Neg'", "2"],
        ["clinical vocabulary", "age = 'fifty'", "1"],
        ["survival (her2_all)", "missing time: dropped", "2"],
    ]
    claims = _table_rows(out["claims_table"])
    assert claims == [
        ["claim", "analysis", "role", "truncation", "estimate_of", "estimate", "ci_low", "ci_high",
         "p", "verdict"],
        ["her2_low_vs_zero", "her2 all", "primary", "left", "HR group:HER2-low", "0.912", "0.5",
         "1.6", "0.751", "inconclusive"],
    ]  # fmt: skip
    assert out["survival_sentence"] == (
        "Survival: her2_low_vs_zero: HR HER2-low 0.91 (0.50-1.60), inconclusive."
    )


def test_survival_rows_titles_and_no_verdict_on_naive_fits() -> None:
    claims = pd.DataFrame(
        {
            "claim": ["c", "c", "c"],
            "analysis": ["her2_hrpos", "her2_hrpos", "her2_hrpos__ihc_only_low"],
            "truncation": ["left", "none", "left"],
            "primary": [True, False, False],
            "estimate_of": ["HR"] * 3,
            "estimate": [1.03, 1.36, 0.92],
            "ci_low": [0.8, 1.05, 0.7],
            "ci_high": [1.33, 1.75, 1.2],
            "p": [0.82, 0.02, 0.5],
            "verdict": ["inconclusive", "supported", "inconclusive"],
        }
    )
    titles = {"her2_hrpos": "OS by HER2 category, HR+ primaries"}
    rows = survival_claim_rows(claims, titles)
    assert rows["verdict"].tolist()[1] == "not judged (naive fit, shown for contrast)"
    assert rows["analysis"].tolist() == [
        "OS by HER2 category, HR+ primaries",
        "OS by HER2 category, HR+ primaries",
        "OS by HER2 category, HR+ primaries (sensitivity: ihc_only, IHC 0-1+ as HER2-low)",
    ]
    assert "__" not in " ".join(rows.astype(str).to_numpy().ravel())
    text = survival_sentence(rows)
    assert (
        text
        == "Survival: c: HR 1.03 (0.80-1.33), inconclusive (the naive fit, ignoring delayed entry, gives 1.36)."
    )


def test_cohort_summary_without_survival_files(tmp_path: Path) -> None:
    files = _study_files(tmp_path, with_survival=False)
    files["claims"] = str(tmp_path / "absent.tsv")  # a missing file counts as not configured
    out = cohort_summary("toy", "Toy", files, "ihc_only")
    # no survival files at all: the cohort file has no survival block, and the summary says so
    assert out["claims_table"] == (
        "*(no* ``survival:`` *block in the cohort file: no survival analysis was run)*\n"
    )
    assert [r[0] for r in _table_rows(out["warnings_table"])[1:]] == ["clinical vocabulary"] * 2
    # survival run, no claims configured
    with_survival = _study_files(tmp_path)
    with_survival["claims"] = str(tmp_path / "absent.tsv")
    out = cohort_summary("toy", "Toy", with_survival, "ihc_only")
    assert out["claims_table"] == "*(no survival claims configured for this cohort)*\n"


def test_summary_context(tmp_path: Path) -> None:
    files = _study_files(tmp_path)
    inputs = {f"toy__{k}": v for k, v in files.items()}
    inputs["toy_2__manifest"] = "not/read.json"  # another cohort's prefix: not toy's
    cohort_file = tmp_path / "toy.yaml"
    cohort_file.write_text("study_id: toy_study\n")
    fields = {"toy": {"her2_ihc": "IHC", "primary_her2_ihc": "P_IHC"}}
    config = {"cohorts": ["toy"]}
    context = summary_context(
        {"toy": "Toy cohort"}, inputs, fields, "ihc_only", config, [cohort_file]
    )
    assert context["config_hash"] == config_hash(config, [cohort_file])
    assert context["default_rule"] == "ihc_only" and context["packages"] == {"pandas": "2.2.2"}
    [toy] = context["cohorts"]
    assert (toy["name"], toy["label"], toy["replication"]) == ("toy", "Toy cohort", "1 / 2")
    assert toy["her2_notes"] == ["no ISH fields: IHC 2+ samples are unknown under asco_cap_2018"]
    empty = summary_context({}, {}, {}, "ihc_only", config, [])
    assert empty["cohorts"] == [] and empty["packages"] == {}


def test_render_template(tmp_path: Path) -> None:
    template = tmp_path / "t.rst"
    template.write_text(
        "=====\nTitle\n=====\n\nHash ``{{ h }}``.\n\n{{ table }}\n"
        "{% for n in notes %}* {{ n }}\n{% endfor %}"
    )
    table = _rst_table(pd.DataFrame({"a": [1], "b": ["x"]}))
    html = render(template, {"h": "abc123", "table": table, "notes": ["one", "two"]})
    assert html.startswith("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Title</title>")
    assert html.endswith("</body></html>")
    assert "<style>" in html and "abc123" in html
    assert "<table" in html and "<th" in html and "<td>" in html
    assert "<li>one</li>" in html.replace("<p>", "").replace("</p>", "")
    with pytest.raises(jinja2.UndefinedError):
        render(template, {"h": "abc123", "table": table})  # 'notes' missing: strict


def _context(tmp_path: Path, inputs: list[dict] | None = None) -> dict:
    summary = cohort_summary("toy", "Toy cohort", _study_files(tmp_path), "asco_cap_2018")
    if inputs is not None:
        summary["inputs"] = [input_row(rec) for rec in inputs]
    summary["headline"] = headline(summary, None)
    return {
        "cohorts": [summary],
        "config_hash": "f" * 64,
        "default_rule": "asco_cap_2018",
        "packages": summary["packages"],
        "evidence_table": "*(no claims table)*\n",
    }


def test_summary_and_provenance_templates_render(tmp_path: Path) -> None:
    context = _context(tmp_path)
    summary = render(REPORT_DIR / "summary.rst", context)
    shown = ("Toy cohort", "toy_study", "ALT3", "RARE", "her2_low_vs_zero", "panel B has no CNA")
    for text in shown:
        assert text in summary, text
    assert "System Message" not in summary  # docutils found nothing wrong in the RST
    provenance = render(REPORT_DIR / "provenance.rst", context)
    for text in ("data_clinical_sample.txt", "ab" * 32, "pandas", "2.2.2", "f" * 64):
        assert text in provenance, text
    assert "System Message" not in provenance


def test_provenance_renders_api_inputs(tmp_path: Path) -> None:
    api_input = {"endpoint": "/studies/toy_study", "rows": 1, "sha256": "cd" * 32, "bytes": 99}
    provenance = render(REPORT_DIR / "provenance.rst", _context(tmp_path, [api_input]))
    assert "API /studies/toy_study" in provenance and "<td><p>99</p></td>" in provenance
