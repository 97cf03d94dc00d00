"""Volcano figure of the genome-wide comparison (``genes.tsv``): log2 OR vs -log10 q."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from her2cohort.figures.style import REPORT_WIDTH_IN, message_figure, plt, setup

#: marker colour per event type (Okabe-Ito)
EVENT_COLORS = {
    "mutation": "#009E73",
    "amplification": "#D55E00",
    "deep_deletion": "#0072B2",
    "fusion": "#CC79A7",
    "any": "#999999",
}
EVENT_LABELS = {
    "mutation": "mutation",
    "amplification": "amplification",
    "deep_deletion": "deep deletion",
    "fusion": "fusion",
    "any": "any alteration",
}


def volcano_figure(
    table: pd.DataFrame, title: str, label_top: int = 12, q_line: float = 0.05
) -> Figure:
    """One point per gene x event type with an odds ratio (0 < OR < inf); the ``label_top`` rows
    with the smallest q labelled; rows reproducing a configured alteration ringed in black.
    Event type "any" is left out of the plot (it repeats the single-type rows) but kept in the
    table."""
    setup()
    t = table[table["event"] != "any"].copy()
    t["odds_ratio"] = pd.to_numeric(t["odds_ratio"], errors="coerce")
    t = t[np.isfinite(t["odds_ratio"]) & (t["odds_ratio"] > 0) & t["bh_q"].notna()]
    if t.empty:
        return message_figure(
            title,
            "no gene has an odds ratio of HER2-low vs HER2-0",
            "(HER2-0 and HER2-low cannot be told apart, or no gene reaches the minimum altered count)",
        )
    x = np.log2(t["odds_ratio"].to_numpy(float))
    y = -np.log10(np.clip(t["bh_q"].to_numpy(float), 1e-300, 1))
    fig, ax = plt.subplots(figsize=(REPORT_WIDTH_IN, 4.6))
    colors = t["event"].map(EVENT_COLORS).fillna("#999999").to_numpy()
    configured = t["configured"].fillna("").astype(str).ne("").to_numpy()
    ax.scatter(
        x[~configured], y[~configured], s=14, c=colors[~configured], alpha=0.75, linewidths=0
    )
    ax.scatter(
        x[configured],
        y[configured],
        s=34,
        c=colors[configured],
        edgecolors="black",
        linewidths=1.1,
        zorder=3,
    )
    ax.set_ylim(0, max(float(np.nanmax(y)) * 1.1, -np.log10(q_line) * 1.3))
    ax.axhline(-np.log10(q_line), color="#555555", lw=0.8, ls="--")
    ax.axvline(0, color="#555555", lw=0.8)
    ax.text(
        ax.get_xlim()[1],
        -np.log10(q_line),
        f" q = {q_line:g}",
        va="bottom",
        ha="right",
        fontsize=8,
        color="#555555",
    )
    _label(ax, t, x, y, label_top)
    lim = max(1.0, float(np.nanmax(np.abs(x))) * 1.08)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(
        "log2 odds ratio, HER2-low vs HER2-0 (altered vs unaltered)   > 0: goes with HER2-low"
    )
    ax.set_ylabel("-log10 q (BH within each alteration type)")
    ax.set_title(title, fontsize=9.5)
    present = [e for e in EVENT_COLORS if e in set(t["event"])]
    handles = [
        Line2D([], [], marker="o", ls="", color=EVENT_COLORS[e], label=EVENT_LABELS[e])
        for e in present
    ]
    handles.append(
        Line2D([], [], marker="o", ls="", mfc="white", mec="black", label="a configured row")
    )
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, frameon=False)
    n = len(t)
    fig.text(
        0.01,
        -0.05,
        f"{n} gene x alteration-type rows with an odds ratio; labelled: the {label_top} smallest q "
        f"below {LABEL_Q:g}\n (genes with identical counts, e.g. one amplicon, share a label).",
        fontsize=7.5,
        color="#444444",
    )
    return fig


#: points with a larger q are not labelled (nothing to point out)
LABEL_Q = 0.25
SHORT = {"mutation": "mut", "amplification": "amp", "deep_deletion": "del", "fusion": "fus"}


def _label(ax: Any, t: pd.DataFrame, x: np.ndarray, y: np.ndarray, label_top: int) -> None:
    """Label the `label_top` smallest-q points; points at the same place (genes of one amplicon with
    identical counts) share one label; labels nudged down so they do not overlap."""
    pts = pd.DataFrame(
        {"x": x, "y": y, "gene": t["gene"].to_numpy(), "event": t["event"].to_numpy()}
    )
    pts["q"] = t["bh_q"].to_numpy(float)
    groups = (
        pts.groupby([pts["x"].round(9), pts["y"].round(9), pts["event"].rename("ev")], sort=False)
        .agg(
            gene=("gene", lambda g: "/".join(sorted(g))),
            q=("q", "min"),
            event=("event", "first"),
            x=("x", "first"),
            y=("y", "first"),
        )
        .reset_index(drop=True)
        .sort_values("q", kind="stable")
        .head(label_top)
        .query("q < @LABEL_Q")
        .sort_values("y", ascending=False, kind="stable")
    )
    span = max(float(np.nanmax(y)), 1.0)
    step = 0.045 * span
    placed: list[tuple[float, float]] = []
    for row in groups.itertuples():
        ly = float(row.y)
        while any(abs(ly - py) < step and abs(float(row.x) - px) < 1.2 for px, py in placed):
            ly -= step
        placed.append((float(row.x), ly))
        ax.annotate(
            f"{row.gene} {SHORT.get(str(row.event), '')}",
            (row.x, row.y),
            xytext=(row.x + 0.06, ly + 0.01 * span),
            textcoords="data",
            fontsize=7.5,
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#777777"} if ly != row.y else None,
        )
