"""The Cox forest (her2cohort.figures.forest) as a reader sees it: words, reference rows, counts."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from her2cohort import survival as sv
from her2cohort.figures.forest import forest_figure, forest_titles, format_p, model_label
from her2cohort.figures.style import REPORT_WIDTH_IN, plt

ANALYSIS = sv.Analysis(
    name="her2_hrpos__ihc_only_zero",
    title="OS by HER2 category of the primary tumour [ihc_only, 0-1+ zero]",
    group_source="her2",
    levels=("HER2-0", "HER2-low", "HER2-positive"),
    numeric=("age",),
    categorical={"primary_hr_status": ("positive", "negative")},
    models={
        "subtype_crude": ("group",),
        "subtype_her2_age": ("group", "age", "primary_hr_status"),
    },
    her2_rule="ihc_only",
    her2_zero_one="zero",
    sensitivity_of="her2_hrpos",
)
#: (term, hr, ci_low, ci_high, p) per model; the same numbers for both truncations
TERMS = {
    "subtype_crude": [
        ("group:HER2-low", 1.52, 1.10, 2.10, 0.0113),
        ("group:HER2-positive", 0.66, 0.43, 1.01, 0.0549),
    ],
    "subtype_her2_age": [
        ("group:HER2-low", 1.31, 1.05, 1.64, 0.014),
        ("group:HER2-positive", 0.47, 0.30, 0.73, 0.0004),
        ("age", 1.01, 1.00, 1.02, 0.054),
        ("primary_hr_status:negative", 3.86, 2.99, 4.97, 1e-25),
    ],
}
CODE_NAMES = [
    "__",
    ":",
    "subtype_crude",
    "subtype_her2_age",
    "primary_hr_status",
    "group",
    "her2_hrpos",
    "0-1+ zero",
]


def _data() -> pd.DataFrame:
    """12 patients: HER2-0 4 (2 deaths), HER2-low 5 (1), HER2-positive 3 (0); one late entry."""
    groups = ["HER2-0"] * 4 + ["HER2-low"] * 5 + ["HER2-positive"] * 3
    event = [1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    entry = [0.0] * 11 + [50.0]  # the last patient enters after last follow-up
    return pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(12)],
            "group": groups,
            "time": [10.0] * 12,
            "event": event,
            "entry": entry,
            "primary_hr_status": ["positive"] * 8 + ["negative"] * 4,
            "age": np.linspace(40, 70, 12),
        }
    )


def _cox(truncations: tuple[str, ...] = ("none", "left")) -> pd.DataFrame:
    rows = [
        {
            "term": t,
            "hr": hr,
            "ci_low": lo,
            "ci_high": hi,
            "p": p,
            "n": 12,
            "events": 3,
            "model": model,
            "truncation": trunc,
        }  # fmt: skip
        for trunc in truncations
        for model, terms in TERMS.items()
        for t, hr, lo, hi, p in terms
    ]
    return pd.DataFrame(rows)


def _texts(fig: Figure) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


@pytest.fixture(scope="module")
def figure() -> Iterator[Figure]:
    fig = forest_figure(
        _cox(), ANALYSIS.title, ANALYSIS.references, data=_data(), analysis=ANALYSIS
    )
    yield fig
    plt.close(fig)


def test_ticks_are_plain_numbers(figure: Figure) -> None:
    figure.canvas.draw()
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and "1" in labels
    for lab in labels:
        float(lab)  # "0.5", "1", "2": no 10^x, no mathtext
        assert "$" not in lab and "^" not in lab


def test_estimates_p_and_reference_rows_as_text(figure: Figure) -> None:
    texts = _texts(figure)
    assert "1.52 (1.10-2.10)" in texts
    assert "3.86 (2.99-4.97)" in texts
    assert {"0.011", "0.055", "<0.001", "0.054"} <= set(texts)
    # a reference row per categorical factor, model and truncation: group x 2, HR status x 1
    assert texts.count("1 (reference)") == 3 * 2
    assert texts.count("HER2-0") == 2 and texts.count("positive") == 1
    assert "per year" in texts and "Age at diagnosis" in texts
    assert texts.count("HER2 category of the primary tumour") == 2
    assert "Primary HR status" in texts


def test_model_headers_name_the_covariates_in_words(figure: Figure) -> None:
    texts = _texts(figure)
    assert "Unadjusted" in texts
    headers = [t.replace("\n", " ") for t in texts if t.startswith("Adjusted")]
    assert headers == ["Adjusted for age at diagnosis and primary HR status"]
    assert model_label(("group", "her2_status", "age")) == (
        "Adjusted for clinical HER2 status and age at diagnosis"
    )


def test_no_code_name_anywhere(figure: Figure) -> None:
    for text in _texts(figure):
        for code in CODE_NAMES:
            assert code not in text, (code, text)
    title, subtitle = forest_titles(ANALYSIS.title, ANALYSIS)
    assert title == "OS by HER2 category of the primary tumour"
    assert subtitle == "Sensitivity analysis, HER2 by rule set ihc_only, IHC 0-1+ counted as HER2-0"


def test_patients_and_deaths_per_level_and_truncation(figure: Figure) -> None:
    texts = _texts(figure)
    # naive: everyone; left-truncated: the late entry (HER2-positive, HR-negative) is dropped
    assert texts.count("4 (2)") == 2 * 2  # HER2-0, both models, both truncations
    # HER2-positive: 3 (0) naive, 2 (0) left-truncated, in both models; HR-negative 4 / 3 (0)
    assert texts.count("2 (0)") == 2 and texts.count("4 (0)") == 1
    assert texts.count("3 (0)") == 2 + 1
    assert texts.count("8 (3)") == 2  # HR-positive, naive and left-truncated
    assert texts.count("12 (3)") == 2 * 2  # model totals from cox


def test_without_the_analysis_table_only_totals(figure: Figure) -> None:
    fig = forest_figure(_cox(("none",)), "plain title", {"group": "HER2-0"})
    texts = _texts(fig)
    assert "1 (reference)" in texts and "12 (3)" in texts
    assert not any(t.endswith("(2)") for t in texts)
    assert "HER2 category" in texts  # the group named from its HER2 levels
    assert fig.get_figwidth() <= REPORT_WIDTH_IN + 1e-9
    plt.close(fig)


def test_not_estimable_term_says_why() -> None:
    cox = _cox(("none",))
    cox.loc[cox["term"] == "group:HER2-positive", ["hr", "ci_low", "ci_high", "p"]] = np.nan
    data = _data()
    data.loc[data["group"] == "HER2-positive", "event"] = 0
    fig = forest_figure(cox, ANALYSIS.title, data=data, analysis=ANALYSIS)
    assert _texts(fig).count("not estimable (no deaths)") == 2
    plt.close(fig)


def test_format_p() -> None:
    assert [format_p(p) for p in (1e-9, 0.0449, 0.27, np.nan)] == ["<0.001", "0.045", "0.27", ""]
