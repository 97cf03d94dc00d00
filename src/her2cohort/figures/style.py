"""Shared figure style: the HER2 and subtype palettes, the report's width, saving PNG + SVG
atomically."""

from __future__ import annotations

__all__ = [
    "HER2_PALETTE",
    "OKABE_ITO",
    "REPORT_WIDTH_IN",
    "REPORT_WIDTH_PX",
    "SAVEFIG_DPI",
    "SUBTYPE_PALETTE",
    "mechanism_colors",
    "message_figure",
    "plt",
    "save",
    "setup",
    "wrap",
]

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextPath, TextToPath  # noqa: E402

from her2cohort.io import atomic_path  # noqa: E402
from her2cohort.terms import CATEGORIES  # noqa: E402

HER2_PALETTE = dict(zip(CATEGORIES, ("#4477AA", "#EE7733", "#CC3311", "#BBBBBB"), strict=True))
MECHANISM_PALETTE = {
    "ER": "#AA3377",
    "transcription factor": "#228833",
    "MAPK/RTK": "#4477AA",
    "PI3K/AKT/mTOR": "#EE6677",
    "cell cycle": "#CCBB44",
}
FALLBACK = ["#66CCEE", "#BBBBBB", "#332288", "#882255"]

#: Okabe & Ito's colour-blind-safe palette (yellow #F0E442 left out: too pale for lines on white)
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "black": "#000000",
}
#: PAM50 + claudin-low subtypes in Okabe-Ito colours, close to the usual hues of the METABRIC
#: literature (luminal blues, basal red, HER2-enriched pink, normal-like green); every pair stays
#: distinct under simulated deuteranopia and protanopia (tests/test_figures_km.py)
SUBTYPE_PALETTE = {
    "LumA": OKABE_ITO["blue"],
    "LumB": OKABE_ITO["sky blue"],
    "Her2": OKABE_ITO["reddish purple"],
    "Basal": OKABE_ITO["vermillion"],
    "Normal": OKABE_ITO["bluish green"],
    "claudin-low": OKABE_ITO["orange"],
}
#: the report shows figures at most this wide (pixels of the PNG)
REPORT_WIDTH_PX = 900
SAVEFIG_DPI = 150
#: the width (inches) to draw a figure meant for the report at: its PNG, padded by :func:`save`'s
#: tight bounding box (0.1 in each side), is then at most REPORT_WIDTH_PX wide, so the report
#: does not shrink it and its font sizes are the sizes a reader sees
REPORT_WIDTH_IN = REPORT_WIDTH_PX / SAVEFIG_DPI - 0.2
TEXT_TO_PATH = TextToPath()  # measures text for wrap()


def mechanism_colors(mechanisms: list[str]) -> dict[str, str]:
    colors = dict(MECHANISM_PALETTE)
    extra = [m for m in dict.fromkeys(mechanisms) if m not in colors]
    for i, m in enumerate(extra):
        colors[m] = FALLBACK[i % len(FALLBACK)]
    return colors


def wrap(text: str, width_in: float, fontsize: float, weight: str = "normal") -> str:
    """``text`` broken at spaces into lines at most ``width_in`` inches wide at ``fontsize`` pt
    (measured in the default font; a single word wider than that keeps its own line)."""
    font = FontProperties(size=fontsize, weight=weight)

    def width(s: str) -> float:  # the font's advance widths, in points
        return float(TEXT_TO_PATH.get_text_width_height_descent(s, font, ismath=False)[0]) / 72

    lines: list[str] = []
    for word in text.split():
        if lines and width(f"{lines[-1]} {word}") <= width_in:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def setup() -> None:
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": SAVEFIG_DPI,
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.labelsize": 9,
            "legend.fontsize": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "her2cohort",  # stable SVG ids: reruns give identical files
        }
    )


def save(fig: Figure, png: str | Path, svg: str | Path | None = None) -> None:
    """Write the figure as PNG (and SVG) atomically, then close it."""
    with atomic_path(png) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight", metadata={"Software": None})
    if svg is not None:
        with atomic_path(svg) as tmp:
            fig.savefig(tmp, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def message_figure(title: str, message: str, detail: str, ax: Axes | None = None) -> Figure:
    """A figure that says why there is nothing to draw (``detail``: where the reason is recorded)."""
    setup()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 2.6))
    ax.text(0.5, 0.55, message, ha="center", transform=ax.transAxes, wrap=True)
    ax.text(0.5, 0.4, detail, ha="center", fontsize=8, color="#555555", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_axis_off()
    fig = ax.figure
    assert isinstance(fig, Figure)
    return fig


#: a rule set's IHC 0-1+ assignment (config ``her2.zero_one_plus``) as a figure title says it
ZERO_ONE_TEXT = {
    "zero": "IHC 0-1+ counted as HER2-0",
    "low": "IHC 0-1+ counted as HER2-low",
    "unknown": "IHC 0-1+ left unassigned (unknown)",
}


def her2_rule_text(ruleset: str, zero_one_plus: str | None = None) -> str:
    """``'rule set ihc_only, IHC 0-1+ counted as HER2-low'``: how a figure names its HER2 rules."""
    if zero_one_plus is None:
        return f"rule set {ruleset}"
    return f"rule set {ruleset}, {ZERO_ONE_TEXT.get(zero_one_plus, f'IHC 0-1+ {zero_one_plus}')}"


def text_width(text: str, size: float = 9, weight: str = "normal") -> float:
    """Inches the widest line of ``text`` takes at ``size`` pt (the default font): for laying
    out text columns as wide as their text."""
    font = FontProperties(size=size, weight=weight)
    lines = [line for line in text.split("\n") if line.strip()]
    return max(
        [0.0, *(float(TextPath((0, 0), ln, prop=font).get_extents().width) / 72 for ln in lines)]
    )
