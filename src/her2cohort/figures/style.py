"""Shared figure style: the HER2 palette and saving PNG + SVG atomically."""

from __future__ import annotations

__all__ = ["HER2_PALETTE", "mechanism_colors", "plt", "save", "setup"]

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
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
