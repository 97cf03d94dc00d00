"""Shared figure style: the HER2 palette and saving PNG + SVG atomically."""

from __future__ import annotations

__all__ = ["HER2_PALETTE", "mechanism_colors", "message_figure", "plt", "save", "setup"]

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

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


def mechanism_colors(mechanisms: list[str]) -> dict[str, str]:
    colors = dict(MECHANISM_PALETTE)
    extra = [m for m in dict.fromkeys(mechanisms) if m not in colors]
    for i, m in enumerate(extra):
        colors[m] = FALLBACK[i % len(FALLBACK)]
    return colors


def setup() -> None:
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 150,
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
