"""The primary -> sequenced HER2 transitions figure (her2cohort.figures.her2.transition_heatmaps)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.image import AxesImage
from matplotlib.text import Text

from her2cohort.figures.her2 import transition_heatmaps
from her2cohort.figures.style import REPORT_WIDTH_IN, plt

COLUMNS = ["rule", "zero_one_plus", "primary_category", "sequenced_category", "n"]
#: primary -> sequenced counts of one rule set: 5 + 3 switches among 10 + 5 + 3 + 12 = 30
#: pairs HER2-0 / HER2-low in both tissues (26.7%); positive and unknown ones do not count
PAIRS = [
    ("HER2-0", "HER2-0", 10),
    ("HER2-0", "HER2-low", 5),
    ("HER2-0", "HER2-positive", 1),
    ("HER2-low", "HER2-0", 3),
    ("HER2-low", "HER2-low", 12),
    ("HER2-positive", "HER2-positive", 4),
    ("HER2-positive", "HER2-low", 2),
    ("unknown", "HER2-low", 7),
    ("HER2-0", "unknown", 6),
]


def table(rules: dict[str, list[tuple[str, str, int]]]) -> pd.DataFrame:
    rows = [(r, "low", p, s, n) for r, pairs in rules.items() for p, s, n in pairs]
    return pd.DataFrame(rows, columns=COLUMNS)


def heatmaps(fig) -> list:
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_one_colour_scale_with_its_colourbar():
    fig = transition_heatmaps(table({"ihc_only": PAIRS, "asco_cap_2018": PAIRS[:5]}), "test")
    panels = heatmaps(fig)
    assert len(panels) == 2
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1
    images = [im for ax in panels for im in ax.get_images() if isinstance(im, AxesImage)]
    assert {(im.norm.vmin, im.norm.vmax, im.cmap.name) for im in images} == {(0, 100, "Blues")}
    bar = next(im.colorbar for im in images if im.colorbar is not None)
    assert bar.ax is bars[0] and bar.norm.vmax == 100  # the colourbar of that scale (row %)
    assert "row %" in bar.ax.get_xlabel()
    assert fig.get_figwidth() <= REPORT_WIDTH_IN


def test_cells_give_n_and_row_percentage():
    fig = transition_heatmaps(table({"ihc_only": PAIRS}), "test")
    ax = heatmaps(fig)[0]
    cells = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    # row HER2-0 (unknowns left out): 10, 5, 1 of 16
    assert cells[(0, 0)] == "10\n62%"
    assert cells[(0, 1)] == "5\n31%"
    assert cells[(1, 0)] == "3\n20%"  # 3 of 15
    assert cells[(2, 1)] == "2\n33%"  # 2 of 6
    assert "with both known" in ax.get_title() and "n = 37" in ax.get_title()
    assert "ihc_only 13" in " ".join(fig.get_supxlabel().split())  # the unknowns, counted


def switching_rate(fig) -> list[float]:
    texts = [t for t in fig.findobj(Text) if t.get_gid() == "switching"]
    return [float(re.search(r"([\d.]+)%", t.get_text()).group(1)) for t in texts]


def test_switching_rate_printed_as_computed_from_the_table():
    fig = transition_heatmaps(table({"ihc_only": PAIRS}), "test")
    assert switching_rate(fig) == [round(100 * (5 + 3) / (10 + 5 + 3 + 12), 1)]  # 26.7
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_gid() == "switching"]
    assert "(8 of 30 pairs)" in texts[0]


def test_switching_rate_without_zero_or_low_pairs():
    fig = transition_heatmaps(table({"ihc_only": [("HER2-positive", "HER2-positive", 3)]}), "t")
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_gid() == "switching"]
    assert texts == ["HER2-0 \u2194 HER2-low switching\nnot computable (no pair)"]


@pytest.mark.parametrize(
    "transitions",
    [pd.DataFrame(columns=COLUMNS), table({"ihc_only": [("unknown", "HER2-low", 4)]})],
    ids=["no pairs", "no pair known in both"],
)
def test_a_cohort_without_pairs_says_why(transitions):
    fig = transition_heatmaps(transitions, "test")
    assert not heatmaps(fig)
    assert any("cannot be derived" in t.get_text() for t in fig.findobj(Text))


def test_composition_labels_negative_unresolved_samples() -> None:
    """METABRIC: a clinical HER2-negative status without IHC is not an unknown HER2 status."""
    from her2cohort.figures.her2 import NEGATIVE_UNRESOLVED, composition, unresolved_samples
    from her2cohort.harmonize.classify import NEGATIVE_UNRESOLVED_REASON

    samples = pd.DataFrame(
        {
            "sample_id": ["a", "b", "c"],
            "reason": [NEGATIVE_UNRESOLVED_REASON, "no IHC score (missing)", ""],
        }
    )
    unresolved = unresolved_samples(samples)
    assert list(unresolved) == ["a"]
    scen = pd.DataFrame(
        {"sample_id": ["a", "b", "c"], "rule": "asco_cap_2018", "zero_one_plus": "zero", "tissue": "sequenced",
         "her2_category": ["unknown", "unknown", "HER2-positive"]}
    )  # fmt: skip
    fig = composition(scen, "t", unresolved)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert NEGATIVE_UNRESOLVED in legend and "unknown" in legend
