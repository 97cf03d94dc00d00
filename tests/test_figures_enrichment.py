"""Enrichment figures (her2cohort.figures.enrichment) as a reader sees them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from her2cohort import enrichment as en
from her2cohort.figures import enrichment as fe
from her2cohort.figures import oncoprint as fo
from her2cohort.figures.style import REPORT_WIDTH_IN, her2_rule_text, plt


def _texts(fig: Figure) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


def _table() -> pd.DataFrame:
    """Three computed rows: heterogeneous (p 0.011), homogeneous (p 0.2), one stratum (NaN)."""
    rows = [
        {"alteration": "FOXA1_mut", "mechanism": "transcription factor", "odds_ratio": 1.52,
         "or_ci_low": 1.10, "or_ci_high": 2.10, "mh_odds_ratio": 1.40, "mh_ci_low": 1.01,
         "mh_ci_high": 1.94, "breslow_day_p": 0.011, "bh_q": 0.03, "n_her2_low": 30,
         "n_her2_0": 10, "n_her2_positive": 5, "pct_her2_unaltered": 60.0},
        {"alteration": "FGFR1_2_alt", "mechanism": "MAPK/RTK", "odds_ratio": 0.8,
         "or_ci_low": 0.4, "or_ci_high": 1.6, "mh_odds_ratio": 0.85, "mh_ci_low": 0.42,
         "mh_ci_high": 1.7, "breslow_day_p": 0.2, "bh_q": 0.5, "n_her2_low": 12,
         "n_her2_0": 8, "n_her2_positive": 1, "pct_her2_unaltered": 62.0},
        {"alteration": "CDK4_amp", "mechanism": "cell cycle", "odds_ratio": np.inf,
         "or_ci_low": 0.3, "or_ci_high": np.inf, "mh_odds_ratio": np.nan, "mh_ci_low": np.nan,
         "mh_ci_high": np.nan, "breslow_day_p": np.nan, "bh_q": 1.0, "n_her2_low": 4,
         "n_her2_0": 0, "n_her2_positive": 0, "pct_her2_unaltered": 58.0, "extension": True},
    ]  # fmt: skip
    t = pd.DataFrame(rows)
    t["extension"] = [False, False, True]
    t["n_evaluable"] = t["n_her2_low"] + t["n_her2_0"] + t["n_her2_positive"]
    t["pct_her2_low"] = 100 * t["n_her2_low"] / t["n_evaluable"]
    t["pct_her2_low_ci_low"] = t["pct_her2_low"] - 10
    t["pct_her2_low_ci_high"] = (t["pct_her2_low"] + 10).clip(upper=100)
    t["pct_her2_low_unaltered"] = t.pop("pct_her2_unaltered")
    t["status"] = "computed"
    for c in en.COLUMNS:
        if c not in t:
            t[c] = np.nan
    return t


def test_forest_ticks_text_columns_and_heterogeneity_flag() -> None:
    fig = fe.forest_plot(_table(), "Cohort\nHER2 " + her2_rule_text("ihc_only", "low"))
    texts = _texts(fig)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "1" in ticks and "0.5" in ticks and "2" in ticks
    for tick in ticks:
        float(tick)  # plain numbers on the log axis
    assert "1.52 (1.10-2.10)" in texts  # crude OR
    assert "1.40 (1.01-1.94) †" in texts  # MH OR, flagged: Breslow-Day p 0.011
    assert "0.85 (0.42-1.70)" in texts  # not flagged: p 0.2
    assert "∞ (0.30-∞)" in texts and "not estimable" in texts  # no altered HER2-0
    assert {"30/40", "12/20", "4/4"} <= set(texts)  # HER2-low / (HER2-low + HER2-0)
    flagged = [t for t in fig.findobj(Text) if t.get_gid() == "heterogeneity"]
    assert [t.get_text() for t in flagged] == ["1.40 (1.01-1.94) †"]
    assert sum("†" in t for t in texts) == 2  # the flagged row and its footnote
    footnote = next(t for t in texts if t.startswith("†")).replace("\n", " ")
    assert "FOXA1 mut p = 0.011" in footnote and "FGFR1" not in footnote
    assert "FGFR1/2 alt" in texts and "CDK4 amp*" in texts  # labels in words, extension marked
    assert not any("_" in t for t in texts if "rule set" not in t)
    assert any("rule set ihc_only, IHC 0-1+ counted as HER2-low" in t for t in texts)
    assert fig.get_figwidth() <= REPORT_WIDTH_IN + 1e-9
    plt.close(fig)


def test_share_baseline_is_each_rows_unaltered_share() -> None:
    table = _table()
    fig = fe.share_plot(table, None, "Cohort")
    ax = fig.axes[0]
    dashed = [
        c for c in ax.collections if isinstance(c, LineCollection) and c.get_gid() == "baseline"
    ]
    xs = sorted({round(seg[0][0], 6) for c in dashed for seg in c.get_segments()})
    assert xs == sorted(table["pct_her2_low_unaltered"].round(6))
    texts = " ".join(_texts(fig)).replace("\n", " ")
    assert "HER2-positive tumours are in the denominator" in texts
    assert "unaltered" in texts
    plt.close(fig)


def test_empty_forest_says_why() -> None:
    table = _table()
    table["pct_her2_low"] = np.nan
    table["status"] = "not computable: HER2-0 and HER2-low cannot be told apart (no IHC scores)"
    fig = fe.forest_plot(table, "Cohort")
    assert any("cannot be told apart" in t for t in _texts(fig))
    plt.close(fig)


# ------------------------------------------------------------------------------------ oncoprint
SAMPLES = [f"S{i}" for i in range(6)]


def _oncoprint_inputs() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    matrix = pd.DataFrame(
        {
            "sample_id": SAMPLES,
            "patient_id": SAMPLES,
            # S0: amplification + mutation; S1: deep deletion; S5 not profiled
            "AKT1_alt": pd.array([1, 1, 0, 0, 0, pd.NA], dtype="Int8"),
            "FGFR1_2_alt": pd.array([0, 0, 1, 0, 0, 0], dtype="Int8"),  # S2: fusion
            "MYC_amp": pd.array([pd.NA] * 6, dtype="Int8"),  # never profiled: no row
        }
    )
    cats = pd.Series(
        ["HER2-low", "HER2-low", "HER2-0", "HER2-0", "HER2-positive", "unknown"], index=SAMPLES
    )
    calls = pd.DataFrame(
        {
            "sample_id": ["S0", "S0", "S1", "S2"],
            "gene": ["AKT1", "AKT1", "AKT1", "FGFR2"],
            "event": ["amplification", "mutation", "deep_deletion", "fusion"],
            "alteration": ["AKT1_alt", "AKT1_alt", "AKT1_alt", "FGFR1_2_alt"],
        }
    )
    hr = pd.Series(
        ["positive", "negative", "positive", None, "negative", "positive"], index=SAMPLES
    )
    return matrix, cats, calls, hr


@pytest.fixture(scope="module")
def oncoprint() -> Iterator[Figure]:
    matrix, cats, calls, hr = _oncoprint_inputs()
    fig = fo.oncoprint(
        matrix,
        cats,
        ["AKT1_alt", "FGFR1_2_alt", "MYC_amp"],
        "Cohort: configured alterations",
        calls=calls,
        hr_status=hr,
        extensions={"FGFR1_2_alt"},
    )
    yield fig
    plt.close(fig)


def _cell(img: np.ndarray, row: int, col: int, sub: int) -> tuple[int, ...]:
    return tuple(int(v) for v in img[row * fo._SUB + sub, col, :3])


def _rgb(color: str) -> tuple[int, ...]:
    return tuple(int(round(c * 255)) for c in to_rgb(color))


def test_oncoprint_tracks_rows_and_percent_labels(oncoprint: Figure) -> None:
    texts = _texts(oncoprint)
    labels = {t.get_text() for ax in oncoprint.axes for t in ax.get_yticklabels()}
    assert {"HER2 category", "HR status", "AKT1 alt", "FGFR1/2 alt*"} <= labels
    assert "MYC amp" not in labels  # never profiled: named in a note instead
    assert any("Not profiled in this study (no row): MYC amp" in t for t in texts)
    pct = [t.get_text() for t in oncoprint.findobj(Text) if t.get_gid() == "pct_altered"]
    assert pct == ["40%", "17%"]  # of profiled samples: 2/5 and 1/6
    assert "% altered" in texts
    assert oncoprint.get_figwidth() <= REPORT_WIDTH_IN + 1e-9


def test_oncoprint_cells_coloured_by_type(oncoprint: Figure) -> None:
    matrix_ax = next(
        ax for ax in oncoprint.axes if ax.get_yticklabels()[0].get_text() == "AKT1 alt"
    )
    img = next(a for a in matrix_ax.get_children() if isinstance(a, AxesImage)).get_array()
    assert img.shape[0] == 2 * fo._SUB and img.shape[1] == 6
    # memo sort within HER2 category (HER2-0, HER2-low, HER2-positive, unknown):
    # HER2-0: S2 (FGFR fusion) then S3; HER2-low: S0 (amp + mut) before S1 (deep del); S4; S5
    red, blue = _rgb(fo.EVENT_COLORS["amplification"]), _rgb(fo.EVENT_COLORS["deep_deletion"])
    green, purple = _rgb(fo.EVENT_COLORS["mutation"]), _rgb(fo.EVENT_COLORS["fusion"])
    grey, light = _rgb(fo.UNALTERED_COLOR), _rgb(fo.NOT_PROFILED_COLOR)
    mid, edge = fo._SUB // 2, 1
    assert _cell(img, 0, 2, edge) == red and _cell(img, 0, 2, mid) == green  # S0: both types
    assert _cell(img, 0, 3, edge) == blue and _cell(img, 0, 3, mid) == blue  # S1: deep deletion
    assert _cell(img, 1, 0, mid) == purple and _cell(img, 1, 0, edge) == grey  # S2: fusion bar
    assert _cell(img, 0, 1, mid) == grey  # S3: profiled, unaltered
    assert _cell(img, 0, 5, mid) == light and light != grey  # S5: not profiled
    her2_ax = next(
        ax for ax in oncoprint.axes if ax.get_yticklabels()[0].get_text() == "HER2 category"
    )
    codes = next(a for a in her2_ax.get_children() if isinstance(a, AxesImage)).get_array()
    assert list(np.asarray(codes)[0]) == [0, 0, 1, 1, 2, 3]


def test_oncoprint_subsamples_many_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    matrix, cats, calls, hr = _oncoprint_inputs()
    monkeypatch.setattr(fo, "ONCOPRINT_MAX_COLUMNS", 4)
    fig = fo.oncoprint(matrix, cats, ["AKT1_alt"], "t", calls=calls, hr_status=hr)
    texts = [t.replace("\n", " ") for t in _texts(fig)]
    assert any("6 samples; every 1.5th sorted sample drawn (4 columns)" in t for t in texts)
    plt.close(fig)
