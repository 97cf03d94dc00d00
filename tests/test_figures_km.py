"""Kaplan-Meier figures (her2cohort.figures.km): what is drawn, checked on the figure objects."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.text import Text

from her2cohort import survival as sv
from her2cohort.figures import km
from her2cohort.figures.style import HER2_PALETTE, REPORT_WIDTH_IN, SUBTYPE_PALETTE, plt

SUBTYPES = ("LumA", "LumB", "Her2", "Basal", "Normal", "claudin-low")


def cohort(sizes: dict[str, int], seed: int = 1, entry: bool = False) -> pd.DataFrame:
    """An analysis table: per group ``n`` patients, exponential deaths, uniform censoring."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, (group, n) in enumerate(sizes.items()):
        death = rng.exponential(60 * (1 + i / 2), n)
        censor = rng.uniform(5, 150, n)
        time = np.round(np.minimum(death, censor), 1) + 0.1
        d = pd.DataFrame({"group": group, "time": time, "event": (death <= censor).astype(int)})
        d["entry"] = np.round(rng.uniform(0, 0.5, n) * d["time"], 1) if entry else np.nan
        parts.append(d)
    data = pd.concat(parts, ignore_index=True)
    data.insert(0, "patient_id", [f"P{i}" for i in range(len(data))])
    return data


def draw(sizes: dict[str, int], truncations=("none",), **kw):
    data = cohort(sizes, entry="left" in truncations)
    curves = sv.km_curves(data, list(sizes), truncations)
    fig = km.km_figure(curves, data, list(sizes), truncations, "test", None, 150.0, 30.0, **kw)
    return fig, curves


def curve_lines(ax, levels):
    """The step lines of the curves (gid = group), and the censoring marks (gid 'g censored')."""
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    return (
        {g: lines[g] for g in levels if g in lines},
        {g: lines[f"{g} censored"] for g in levels if f"{g} censored" in lines},
    )


def note(fig) -> str:
    """The figure's footnote, on one line."""
    return " ".join(fig.get_supxlabel().split())


def bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_each_group_has_its_own_line_style():
    levels = {"HER2-0": 60, "HER2-low": 60, "HER2-positive": 60, "unknown": 60}
    fig, _ = draw(levels)
    lines, _ = curve_lines(fig.axes[0], levels)
    assert len(lines) == 4
    assert len({ln.get_linestyle() for ln in lines.values()}) == 4  # -, --, :, -.
    styles = km.group_linestyles(SUBTYPES)
    assert len({str(s) for s in styles.values()}) == 6
    legend = fig.axes[0].get_legend()
    assert [h.get_linestyle() for h in legend.legend_handles] == [
        ln.get_linestyle() for ln in lines.values()
    ]


@pytest.mark.parametrize("min_at_risk", [10, 25])
def test_curves_stop_where_fewer_remain_at_risk(min_at_risk):
    levels = {"A": 80, "B": 60}
    fig, curves = draw(levels, min_at_risk=min_at_risk)
    lines, _ = curve_lines(fig.axes[0], levels)
    for group, line in lines.items():
        curve = sv.group_curve(curves, "none", group)
        risk = dict(zip(curve["time"], curve["n_risk"], strict=True))
        x = np.asarray(line.get_xdata(), dtype=float)
        assert all(risk[t] >= min_at_risk for t in x[x > 0])
        small = curve[curve["n_risk"] < min_at_risk]
        assert len(small)  # the data do reach small risk sets...
        assert x.max() < small["time"].min()  # ...and the curve stops before them
    assert f"Curves stop when fewer than {min_at_risk} patients remain at risk" in note(fig)


def test_censoring_marks_at_the_censored_times():
    levels = {"A": 80, "B": 60}
    fig, curves = draw(levels)
    lines, marks = curve_lines(fig.axes[0], levels)
    assert set(marks) == set(levels)
    for group, mark in marks.items():
        assert mark.get_marker() == "+" and mark.get_linestyle() == "None"
        drawn = km.drawn_rows(sv.group_curve(curves, "none", group))
        censored = drawn[drawn["n_censor"] > 0]
        assert len(censored)
        np.testing.assert_array_equal(mark.get_xdata(), censored["time"])
        np.testing.assert_array_equal(mark.get_ydata(), censored["surv"])  # on the curve
        assert mark.get_color() == lines[group].get_color()


def test_at_most_three_bands_per_panel():
    three = {"HER2-0": 60, "HER2-low": 60, "HER2-positive": 60}
    fig, _ = draw(three)
    assert len(bands(fig.axes[0])) == 3
    assert "Shaded: 95% CI" in note(fig)
    fig, _ = draw({**three, "unknown": 60})
    assert all(len(bands(ax)) == 0 for ax in fig.axes)
    assert "No CI bands with more than 3 curves" in note(fig)
    fig, _ = draw({**three, "unknown": 60}, max_bands=4)
    assert len(bands(fig.axes[0])) == 4


def test_a_group_too_small_to_draw_is_listed_not_drawn():
    levels = {"A": 60, "B": 60, "tiny": 8}
    fig, _ = draw(levels)
    lines, _ = curve_lines(fig.axes[0], levels)
    assert set(lines) == {"A", "B"}
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("tiny (n=8") and "not drawn" in t for t in labels)
    assert "Not drawn (fewer than 10 at risk from the start): tiny." in note(fig)
    assert len(bands(fig.axes[0])) == 2  # two curves drawn: their bands are


def test_two_truncations_stack_at_the_report_width_with_readable_text():
    levels = {s: 25 for s in SUBTYPES}
    fig, _ = draw(levels, truncations=("none", "left"))
    assert len(fig.axes) == 4  # two panels, each with its number-at-risk table
    top, _, bottom, _ = (ax.get_position() for ax in fig.axes)
    assert top.y0 > bottom.y1  # naive above left-truncated, not side by side
    assert fig.get_figwidth() <= REPORT_WIDTH_IN
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert min(t.get_fontsize() for t in texts) >= 9
    fig.canvas.draw()  # every text inside the figure: the saved PNG is not wider
    width = fig.bbox.width
    for t in texts:
        box = t.get_window_extent()
        assert box.x0 >= -1 and box.x1 <= width + 1, t.get_text()


# ------------------------------------------------------------------ colour-vision deficiency
#: Machado, Oliveira & Fernandes (2009), severity 1, applied to linear RGB
DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
MIN_DELTA_E = 15.0  # CIE76, after simulation: clearly distinct for lines also told apart by style


def lab(color: str, matrix: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of ``color`` as seen through ``matrix`` (a dichromacy simulation)."""
    c = np.asarray(to_rgb(color))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    seen = np.clip(matrix @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = (xyz @ seen) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_distance(colors: dict[str, str], matrix: np.ndarray) -> tuple[float, str, str]:
    return min(
        (float(np.linalg.norm(lab(a, matrix) - lab(b, matrix))), ka, kb)
        for (ka, a), (kb, b) in itertools.combinations(colors.items(), 2)
    )


@pytest.mark.parametrize("matrix", [DEUTERANOPIA, PROTANOPIA], ids=["deuteranopia", "protanopia"])
@pytest.mark.parametrize("palette", ["subtype", "her2", "other"])
def test_palettes_stay_distinct_for_colour_blind_readers(matrix, palette):
    colors = {
        "subtype": km.group_colors(SUBTYPES),
        "her2": dict(HER2_PALETTE),
        "other": km.group_colors([f"group {i}" for i in range(6)]),
    }[palette]
    assert len(set(colors.values())) == len(colors)
    dist, a, b = min_distance(colors, matrix)
    assert dist >= MIN_DELTA_E, f"{a} vs {b}: delta E {dist:.1f}"


def test_the_check_catches_the_former_subtype_palette():
    former = {"Basal": "#D7301F", "Normal": "#33A02C"}  # red vs green: alike to deuteranopes
    assert min_distance(former, DEUTERANOPIA)[0] < MIN_DELTA_E
    assert min_distance(former, np.eye(3))[0] > 50  # though far apart to trichromats
    assert km.group_colors(SUBTYPES) == SUBTYPE_PALETTE
