"""Kaplan-Meier figures: curves with CI bands per group and truncation, numbers at risk below.

The curves are drawn from the computed ``km_curves`` table; only the numbers at risk under them
are counted from the analysis table (``data.tsv``), at the plot's tick times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from her2cohort import survival as sv
from her2cohort.figures.style import HER2_PALETTE, setup

#: PAM50 + claudin-low colours (the usual ones in the METABRIC literature)
SUBTYPE_PALETTE = {
    "LumA": "#1F4E9C",
    "LumB": "#56B4E9",
    "Her2": "#C51B7D",
    "Basal": "#D7301F",
    "Normal": "#33A02C",
    "claudin-low": "#E6A117",
}
FALLBACK = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]
TRUNCATION_LABEL = {
    "none": "Naive: at risk from diagnosis",
    "left": "Left-truncated: at risk from first sequencing",
}
TRUNCATION_SHORT = {"none": "naive", "left": "left-truncated"}
TRUNCATION_COLOR = {"none": "#777777", "left": "#000000"}


def group_colors(levels: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    spare = iter(FALLBACK)
    for lev in levels:
        out[lev] = HER2_PALETTE.get(lev) or SUBTYPE_PALETTE.get(lev) or next(spare, "#555555")
    return out


def _ticks(max_time: float, step: float) -> np.ndarray:
    return np.arange(0, max_time + step / 2, step)


def _format_p(p: float) -> str:
    if not np.isfinite(p):
        return "NA"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def km_panel(
    ax: Axes,
    risk_ax: Axes,
    curves: pd.DataFrame,
    data: pd.DataFrame,
    levels: Sequence[str],
    truncation: str,
    max_time: float,
    step: float,
    logrank_p: float | None = None,
    panel_title: str = "",
) -> None:
    """One KM panel (curves, log-log CI bands) and its number-at-risk table.

    Parameters
    ----------
    ax, risk_ax
        The axes of the curves and of the number-at-risk table.
    curves
        The analysis' ``km_curves`` table (all truncations).
    data
        The analysis table: the numbers at risk are counted from it at the tick times.
    levels, truncation
        The groups (in order) and the truncation drawn.
    max_time, step
        The time axis: 0 to ``max_time`` months, a tick every ``step``.
    logrank_p, panel_title
        The global log-rank p-value printed in the panel, and the legend's title.

    Notes
    -----
    The legend (group, n, deaths, median) sits above the axes so it never hides a curve.
    """
    colors = group_colors(levels)
    ticks = _ticks(max_time, step)
    handles = []
    present = [lev for lev in levels if len(sv.group_curve(curves, truncation, lev))]
    for lev in present:
        curve = sv.group_curve(curves, truncation, lev)
        t = np.concatenate([[0.0], curve["time"].to_numpy()])
        s = np.concatenate([[1.0], curve["surv"].to_numpy()])
        lo, hi = (
            np.concatenate([[1.0], curve[b].fillna(1.0).where(curve["surv"] < 1, 1.0).to_numpy()])
            for b in ("lower", "upper")
        )
        if curve["surv"].iloc[-1] == 0:  # bands undefined once the curve reaches 0
            lo[-1] = hi[-1] = 0.0
        c = colors[lev]
        ax.step(t, s, where="post", color=c, lw=1.5)
        ax.fill_between(t, lo, hi, step="post", color=c, alpha=0.15, lw=0)
        med = sv.km_quantile(curve).estimate
        n = int((curve["n_event"] + curve["n_censor"]).sum())
        label = f"{lev} (n={n}, {int(curve['n_event'].sum())} deaths"
        label += f"; median {med:.0f} mo)" if np.isfinite(med) else "; median not reached)"
        handles.append(Line2D([], [], color=c, lw=1.5, label=label))
    ax.axhline(0.5, color="#BBBBBB", lw=0.6, ls=":", zorder=0)
    ax.set_xlim(0, max_time)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=False)
    ax.set_ylabel("Overall survival")
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=2 if len(handles) > 3 else 1,
        frameon=False,
        fontsize=7,
        handlelength=1.5,
        columnspacing=1.2,
        title=panel_title,
        title_fontproperties={"size": 9, "weight": "bold"},
        alignment="left",
        borderaxespad=0.0,
    )
    if logrank_p is not None:
        ax.text(
            0.98,
            0.97,
            f"log-rank p {_format_p(logrank_p)}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    pop = sv.fit_population(data, truncation)
    _risk_table(risk_ax, pop, present, colors, truncation, max_time, ticks)


def _risk_table(
    risk_ax: Axes,
    pop: pd.DataFrame,
    present: Sequence[str],
    colors: Mapping[str, str],
    truncation: str,
    max_time: float,
    ticks: np.ndarray,
) -> None:
    """The number-at-risk table under a KM panel, aligned with its time axis."""
    risk_ax.set_xlim(0, max_time)
    risk_ax.set_ylim(-0.5, len(present) - 0.5)
    for i, lev in enumerate(present):
        d = pop[pop["group"] == lev]
        entry = d["entry"] if truncation == "left" else None
        counts = sv.number_at_risk(d["time"], entry, ticks)
        y = len(present) - 1 - i
        for x, n in zip(ticks, counts, strict=True):
            risk_ax.text(x, y, str(n), ha="center", va="center", fontsize=7, color=colors[lev])
    risk_ax.set_yticks(range(len(present)))
    risk_ax.set_yticklabels(list(reversed(present)), fontsize=7)
    for tick, lev in zip(risk_ax.get_yticklabels(), reversed(present), strict=True):
        tick.set_color(colors[lev])
    risk_ax.set_xticks(ticks)
    risk_ax.set_xlabel("Months since diagnosis")
    risk_ax.tick_params(axis="y", length=0, pad=16)  # clear of the numbers centred on t = 0
    for side in ("top", "right", "left"):
        risk_ax.spines[side].set_visible(False)
    risk_ax.set_title("Number at risk", loc="left", fontsize=8)


def km_figure(
    curves: pd.DataFrame,
    data: pd.DataFrame,
    levels: Sequence[str],
    truncations: Sequence[str],
    title: str,
    logrank: pd.DataFrame | None = None,
    max_time: float | None = None,
    step: float = 24.0,
) -> Figure:
    """KM curves per group, naive and left-truncated side by side, each with its at-risk table.

    Parameters
    ----------
    curves
        The analysis' ``km_curves`` table.
    data
        The analysis table (numbers at risk; the default ``max_time``).
    levels, truncations, title
        The groups (in order), the truncations drawn (one panel each) and the figure's title.
    logrank
        The analysis' ``logrank`` table (each panel prints its global p-value), or None.
    max_time, step
        The time axis; ``max_time`` None: the 95th percentile of follow-up, rounded up to a step.

    Returns
    -------
    matplotlib.figure.Figure
    """
    setup()
    if max_time is None:
        max_time = float(np.ceil(data["time"].quantile(0.95) / step) * step)
    n_groups = max(1, len([lev for lev in levels if (curves["group"] == lev).any()]))
    risk_h = 0.45 + 0.17 * n_groups
    legend_h = 0.35 + 0.17 * (n_groups if n_groups <= 3 else (n_groups + 1) // 2)
    fig = plt.figure(
        figsize=(6.2 * len(truncations), 4.0 + legend_h + risk_h), layout="constrained"
    )
    gs = fig.add_gridspec(2, len(truncations), height_ratios=[3.6, risk_h])
    for j, trunc in enumerate(truncations):
        ax = fig.add_subplot(gs[0, j])
        risk_ax = fig.add_subplot(gs[1, j], sharex=ax)
        p = None
        if logrank is not None and len(logrank):
            row = logrank[(logrank["truncation"] == trunc) & (logrank["comparison"] == "global")]
            p = float(row["p"].iloc[0]) if len(row) else None
        label = TRUNCATION_LABEL[trunc] if len(truncations) > 1 else "At risk from diagnosis"
        km_panel(ax, risk_ax, curves, data, levels, trunc, max_time, step, p, label)
    fig.suptitle(title, fontsize=11)
    return fig
