"""Kaplan-Meier figures: curves per group and truncation, numbers at risk below.

The curves are drawn from the computed ``km_curves`` table; only the numbers at risk under them
are counted from the analysis table (``data.tsv``), at the plot's tick times.

Drawn as survminer users expect: ``+`` at censoring times, a line style as well as a colour per
group (readable in greyscale), colour-blind-safe colours, 95% CI bands only while they stay
readable (at most ``max_bands`` curves in a panel), and each curve stopped where fewer than
``min_at_risk`` patients remain at risk; a footnote says which of these apply. Figures are drawn
at the report's width (:data:`~her2cohort.figures.style.REPORT_WIDTH_IN`) with no text under
9 pt, so a two-truncation figure stacks its panels (naive above left-truncated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from her2cohort import survival as sv
from her2cohort.figures.style import (
    HER2_PALETTE,
    OKABE_ITO,
    REPORT_WIDTH_IN,
    SUBTYPE_PALETTE,
    setup,
    wrap,
)

__all__ = [
    "FALLBACK",
    "LINESTYLES",
    "MAX_BANDS",
    "MIN_AT_RISK",
    "SUBTYPE_PALETTE",
    "TRUNCATION_COLOR",
    "TRUNCATION_LABEL",
    "TRUNCATION_SHORT",
    "PanelInfo",
    "drawn_rows",
    "group_colors",
    "group_linestyles",
    "km_figure",
    "km_panel",
]

#: colours of groups that are neither HER2 categories nor subtypes, in order
FALLBACK = list(OKABE_ITO.values())
#: one line style per group (by its position in the analysis' levels): solid, dashed, dotted,
#: dash-dot, long dash, dash-dot-dot
LINESTYLES: tuple[Any, ...] = (
    "-",
    "--",
    ":",
    "-.",
    (0, (9, 3)),
    (0, (6, 2, 1.5, 2, 1.5, 2)),
)
#: a curve stops where fewer than this many patients remain at risk
MIN_AT_RISK = 10
#: at most this many curves in a panel get a CI band; with more, none does
MAX_BANDS = 3
TRUNCATION_LABEL = {
    "none": "Naive: at risk from diagnosis",
    "left": "Left-truncated: at risk from first sequencing",
}
TRUNCATION_SHORT = {"none": "naive", "left": "left-truncated"}
TRUNCATION_COLOR = {"none": "#777777", "left": "#000000"}
LATE_MARK = "\u2020"  # a median reached after the curve stops
FONT = 9  # pt: the smallest text in the figure (drawn at the report's width, so seen at this size)
LINE_WIDTH = 1.6


class PanelInfo(NamedTuple):
    """What a KM panel drew: whether it has CI bands, the groups too small to draw, and whether
    a median in its legend is reached only after its curve stops."""

    bands: bool
    not_drawn: tuple[str, ...]
    late_medians: bool = False


def group_colors(levels: Sequence[str]) -> dict[str, str]:
    """A colour per group: HER2 categories and subtypes keep theirs, others take the Okabe-Ito
    colours not already used by the figure's groups."""
    known = {lev: HER2_PALETTE.get(lev) or SUBTYPE_PALETTE.get(lev) for lev in levels}
    spare = iter(c for c in FALLBACK if c not in known.values())  # not already in the figure
    return {lev: known[lev] or next(spare, "#555555") for lev in levels}


def group_linestyles(levels: Sequence[str]) -> dict[str, Any]:
    """A line style per group, by its position in ``levels`` (the same in every panel)."""
    return {lev: LINESTYLES[i % len(LINESTYLES)] for i, lev in enumerate(levels)}


def drawn_rows(curve: pd.DataFrame, min_at_risk: int = MIN_AT_RISK) -> pd.DataFrame:
    """The rows of a group's curve that are drawn: those before the first time with fewer than
    ``min_at_risk`` patients at risk (none if the curve starts with fewer)."""
    small = np.flatnonzero(curve["n_risk"].to_numpy(dtype=float) < min_at_risk)
    return curve.iloc[: small[0]] if len(small) else curve


def _ticks(max_time: float, step: float) -> np.ndarray:
    return np.arange(0, max_time + step / 2, step)


def _format_p(p: float) -> str:
    if not np.isfinite(p):
        return "NA"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _draw_group(
    ax: Axes, curve: pd.DataFrame, color: str, linestyle: Any, band: bool, label: str
) -> None:
    """One group's step curve (from 1 at time 0), its censoring marks and, if ``band``, its CI."""
    t = np.concatenate([[0.0], curve["time"].to_numpy(dtype=float)])
    s = np.concatenate([[1.0], curve["surv"].to_numpy(dtype=float)])
    ax.step(t, s, where="post", color=color, lw=LINE_WIDTH, ls=linestyle, gid=label)
    censored = curve[curve["n_censor"] > 0]
    ax.plot(
        censored["time"],
        censored["surv"],
        ls="none",
        marker="+",
        ms=5,
        mew=1.0,
        color=color,
        gid=f"{label} censored",
    )
    if band:
        lo, hi = (
            np.concatenate([[1.0], curve[b].fillna(1.0).where(curve["surv"] < 1, 1.0).to_numpy()])
            for b in ("lower", "upper")
        )
        if len(curve) and curve["surv"].iloc[-1] == 0:  # bands undefined once the curve is 0
            lo[-1] = hi[-1] = 0.0
        ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.15, lw=0, gid=label)


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
    *,
    min_at_risk: int = MIN_AT_RISK,
    max_bands: int = MAX_BANDS,
) -> PanelInfo:
    """One KM panel (curves, censoring marks, log-log CI bands) and its number-at-risk table.

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
    min_at_risk
        Each curve stops at the first time fewer patients are at risk (a group with fewer from
        the start is not drawn; the legend says so).
    max_bands
        CI bands are drawn only if the panel draws at most this many curves.

    Returns
    -------
    PanelInfo
        Whether CI bands were drawn, which groups were too small to draw and whether a median
        is reached only after its curve stops (marked with a dagger): for the footnote.

    Notes
    -----
    The legend (group, n, deaths, median) sits above the axes so it never hides a curve. The
    medians are those of the full curves (``km.tsv``), even where reached after the cut.
    """
    colors, styles = group_colors(levels), group_linestyles(levels)
    ticks = _ticks(max_time, step)
    fits = {lev: sv.group_curve(curves, truncation, lev) for lev in levels}
    present = [lev for lev in levels if len(fits[lev])]
    shown = {lev: drawn_rows(fits[lev], min_at_risk) for lev in present}
    bands = sum(not c.empty for c in shown.values()) <= max_bands
    handles, not_drawn, late_medians = [], [], 0
    for lev in present:
        curve = fits[lev]
        med = sv.km_quantile(curve).estimate
        n = int((curve["n_event"] + curve["n_censor"]).sum())
        label = f"{lev} (n={n}, {int(curve['n_event'].sum())} deaths"
        if shown[lev].empty:
            not_drawn.append(lev)
            label += f"; not drawn: < {min_at_risk} at risk)"
        else:
            _draw_group(ax, shown[lev], colors[lev], styles[lev], bands, lev)
            if not np.isfinite(med):
                label += "; median not reached)"
            else:
                late = med > shown[lev]["time"].iloc[-1]  # reached after the drawn curve stops
                label += f"; median {med:.0f} mo{LATE_MARK if late else ''})"
                late_medians += late
        handles.append(
            Line2D([], [], color=colors[lev], lw=LINE_WIDTH, ls=styles[lev], label=label)
        )
    ax.axhline(0.5, color="#DDDDDD", lw=0.6, zorder=0)
    ax.set_xlim(0, max_time)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=False, labelsize=FONT)
    ax.set_ylabel("Overall survival", fontsize=FONT)
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=1,
        frameon=False,
        fontsize=FONT,
        handlelength=3.2,
        title=panel_title,
        title_fontproperties={"size": FONT + 1, "weight": "bold"},
        alignment="left",
        borderaxespad=0.0,
        labelspacing=0.3,
    )
    if logrank_p is not None:
        ax.text(
            0.98,
            0.97,
            f"log-rank p {_format_p(logrank_p)}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=FONT,
        )
    pop = sv.fit_population(data, truncation)
    _risk_table(risk_ax, pop, present, colors, truncation, max_time, ticks)
    return PanelInfo(bands, tuple(not_drawn), late_medians > 0)


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
            risk_ax.text(x, y, str(n), ha="center", va="center", fontsize=FONT, color=colors[lev])
    risk_ax.set_yticks(range(len(present)))
    risk_ax.set_yticklabels(list(reversed(present)), fontsize=FONT)
    for tick, lev in zip(risk_ax.get_yticklabels(), reversed(present), strict=True):
        tick.set_color(colors[lev])
    risk_ax.set_xticks(ticks)
    risk_ax.set_xlabel("Months since diagnosis", fontsize=FONT)
    risk_ax.tick_params(axis="x", labelsize=FONT)
    risk_ax.tick_params(axis="y", length=0, pad=18)  # clear of the numbers centred on t = 0
    for side in ("top", "right", "left"):
        risk_ax.spines[side].set_visible(False)
    risk_ax.set_title("Number at risk", loc="left", fontsize=FONT)


def _footnote(infos: Sequence[PanelInfo], min_at_risk: int, max_bands: int) -> str:
    """What the reader needs to read the curves: marks, cut, bands, groups not drawn."""
    parts = [
        f"+ censored. Curves stop when fewer than {min_at_risk} patients remain at risk.",
    ]
    if all(i.bands for i in infos):
        parts.append("Shaded: 95% CI (log-log).")
    elif any(i.bands for i in infos):
        parts.append(f"Shaded: 95% CI (log-log), only in panels of at most {max_bands} curves.")
    else:
        parts.append(
            f"No CI bands with more than {max_bands} curves (km.tsv: medians and"
            " survival at fixed times with 95% CIs)."
        )
    if any(i.late_medians for i in infos):
        parts.append(f"{LATE_MARK} Median reached after the curve stops.")
    if any(i.not_drawn for i in infos):
        small = ", ".join(dict.fromkeys(g for i in infos for g in i.not_drawn))
        parts.append(f"Not drawn (fewer than {min_at_risk} at risk from the start): {small}.")
    return wrap(" ".join(parts), REPORT_WIDTH_IN - 0.2, FONT)


def km_figure(
    curves: pd.DataFrame,
    data: pd.DataFrame,
    levels: Sequence[str],
    truncations: Sequence[str],
    title: str,
    logrank: pd.DataFrame | None = None,
    max_time: float | None = None,
    step: float = 24.0,
    *,
    min_at_risk: int = MIN_AT_RISK,
    max_bands: int = MAX_BANDS,
) -> Figure:
    """KM curves per group, one panel per truncation (stacked), each with its at-risk table.

    Parameters
    ----------
    curves
        The analysis' ``km_curves`` table.
    data
        The analysis table (numbers at risk; the default ``max_time``).
    levels, truncations, title
        The groups (in order), the truncations drawn (one panel each, naive above
        left-truncated) and the figure's title.
    logrank
        The analysis' ``logrank`` table (each panel prints its global p-value), or None.
    max_time, step
        The time axis; ``max_time`` None: the 95th percentile of follow-up, rounded up to a step.
    min_at_risk, max_bands
        Curves stop where fewer than ``min_at_risk`` patients remain at risk; CI bands only in
        panels of at most ``max_bands`` curves (:func:`km_panel`). The footnote says both.

    Returns
    -------
    matplotlib.figure.Figure
        :data:`~her2cohort.figures.style.REPORT_WIDTH_IN` wide; axes: per truncation the curves
        and their at-risk table; the footnote is the figure's ``supxlabel``.
    """
    setup()
    if max_time is None:
        max_time = float(np.ceil(data["time"].quantile(0.95) / step) * step)
    n_groups = max(1, len([lev for lev in levels if (curves["group"] == lev).any()]))
    line = FONT * 1.45 / 72  # inches per line of 9 pt text
    curve_h = 3.0
    risk_h = 0.3 + line * n_groups
    legend_h = 0.25 + line * (n_groups + 1)
    panel_h = legend_h + curve_h + risk_h + 0.75  # + tick labels, axis label, spacing
    note_h = 3 * line
    fig = plt.figure(
        figsize=(REPORT_WIDTH_IN, 0.45 + panel_h * len(truncations) + note_h),
        layout="constrained",
    )
    ratios = [r for _ in truncations for r in (curve_h, risk_h)]
    gs = fig.add_gridspec(2 * len(truncations), 1, height_ratios=ratios)
    infos = []
    for j, trunc in enumerate(truncations):
        ax = fig.add_subplot(gs[2 * j, 0])
        risk_ax = fig.add_subplot(gs[2 * j + 1, 0], sharex=ax)
        p = None
        if logrank is not None and len(logrank):
            row = logrank[(logrank["truncation"] == trunc) & (logrank["comparison"] == "global")]
            p = float(row["p"].iloc[0]) if len(row) else None
        label = TRUNCATION_LABEL[trunc] if len(truncations) > 1 else "At risk from diagnosis"
        infos.append(
            km_panel(
                ax,
                risk_ax,
                curves,
                data,
                levels,
                trunc,
                max_time,
                step,
                p,
                label,
                min_at_risk=min_at_risk,
                max_bands=max_bands,
            )
        )
    # a figure-level label: constrained layout makes room for it below the last at-risk table
    fig.supxlabel(
        _footnote(infos, min_at_risk, max_bands),
        x=0.01,
        ha="left",
        fontsize=FONT,
        color="#444444",
    )
    fig.suptitle(wrap(title, REPORT_WIDTH_IN - 0.2, FONT + 2), fontsize=FONT + 2)
    return fig
