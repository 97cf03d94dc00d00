"""Cumulative incidence figures of a disease-specific analysis (``endpoint: dss``): the
Aalen-Johansen incidence of death of the disease and of death of other causes, per group.

Drawn from the computed ``cif_curves`` table (:func:`her2cohort.survival.cif_curves`); the legend's
patients and deaths come from the ``cif`` table. One row of two panels per truncation: death of the
disease (left), death of other causes (right), the same colour and line style per group as the
Kaplan-Meier figure (:func:`~her2cohort.figures.km.group_colors`), a shared y axis so the two
causes compare at a glance, and one legend above the panels (never over a curve). Each curve stops
where fewer than ``min_at_risk`` patients remain at risk. Drawn at the report's width with no text
under 9 pt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from her2cohort import survival as sv
from her2cohort.figures.km import (
    MIN_AT_RISK,
    TRUNCATION_LABEL,
    drawn_rows,
    group_colors,
    group_linestyles,
)
from her2cohort.figures.style import REPORT_WIDTH_IN, message_figure, setup, wrap

__all__ = ["CAUSE_LABEL", "cif_figure", "cif_panel"]

FONT = 9  # pt: the smallest text in the figure
LINE_WIDTH = 1.6
#: the panel title of each cause code
CAUSE_LABEL = {1: "Death of the disease", 2: "Death of other causes"}


def _curve(curves: pd.DataFrame, truncation: str, group: str, cause: int) -> pd.DataFrame:
    rows = curves[
        (curves["truncation"] == truncation)
        & (curves["group"] == group)
        & (curves["cause"].astype(int) == cause)
    ]
    return rows.reset_index(drop=True)


def _deaths(k: int) -> str:
    return f"{k} death" if k == 1 else f"{k} deaths"


def cif_panel(
    ax: Axes,
    curves: pd.DataFrame,
    levels: Sequence[str],
    truncation: str,
    cause: int,
    max_time: float,
    *,
    min_at_risk: int = MIN_AT_RISK,
) -> list[str]:
    """One cause's cumulative incidence per group in one truncation.

    Parameters
    ----------
    ax
        The axes to draw on.
    curves
        The analysis' ``cif_curves`` table (truncation, group, cause, time, n_risk, cif).
    levels, truncation, cause
        The groups (in order), the truncation and the cause (1 or 2) drawn.
    max_time
        The time axis runs from 0 to ``max_time`` months.
    min_at_risk
        Each curve stops at the first time fewer patients are at risk.

    Returns
    -------
    list of str
        The groups drawn (a group with fewer than ``min_at_risk`` at risk from the start is not).
    """
    colors, styles = group_colors(levels), group_linestyles(levels)
    drawn = []
    for lev in levels:
        curve = drawn_rows(_curve(curves, truncation, lev, cause), min_at_risk)
        if len(curve):
            t = np.concatenate([[0.0], curve["time"].to_numpy(float)])
            f = np.concatenate([[0.0], curve["cif"].to_numpy(float)])
            ax.step(t, f, where="post", color=colors[lev], lw=LINE_WIDTH, ls=styles[lev], gid=lev)
            drawn.append(lev)
    ax.set_xlim(0, max_time)
    ax.set_title(CAUSE_LABEL[cause], fontsize=FONT + 1, loc="left")
    ax.set_xlabel("Months since diagnosis", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    return drawn


def legend_handles(
    counts: pd.DataFrame, levels: Sequence[str], truncation: str, drawn: set[str]
) -> list[Line2D]:
    """One legend entry per group with patients: its size and deaths of each cause."""
    colors, styles = group_colors(levels), group_linestyles(levels)
    sub = counts[counts["truncation"] == truncation]
    handles = []
    for lev in levels:
        rows = sub[sub["group"] == lev].drop_duplicates("cause").set_index("cause")["events"]
        n = sub.loc[sub["group"] == lev, "n"]
        if n.empty or int(n.iloc[0]) == 0:
            continue
        deaths = {int(k): int(v) for k, v in rows.items()}
        label = (
            f"{lev} (n={int(n.iloc[0])}: {_deaths(deaths.get(1, 0))} of the disease, "
            f"{deaths.get(2, 0)} of other causes)" + ("" if lev in drawn else "; not drawn")
        )
        handles.append(
            Line2D([], [], color=colors[lev], lw=LINE_WIDTH, ls=styles[lev], label=label)
        )
    return handles


def _max_time(data: pd.DataFrame, settings: sv.Settings) -> float:
    step = settings.plot_step_months
    if settings.plot_max_months is not None:
        return float(settings.plot_max_months)
    return float(np.ceil(data["time"].quantile(0.95) / step) * step) if len(data) else step


def cif_figure(
    tables: Mapping[str, pd.DataFrame],
    analysis: sv.Analysis | Mapping[str, Any],
    settings: sv.Settings | Mapping[str, Any],
    *,
    min_at_risk: int = MIN_AT_RISK,
) -> Figure:
    """The cumulative incidence of both causes of death per group, one row per truncation.

    Parameters
    ----------
    tables
        The analysis' ``data``, ``cif_curves`` and ``cif`` tables (as read from their TSVs).
    analysis, settings
        The analysis (levels, title) and the cohort's settings (truncations, time axis), or their
        ``as_dict()`` mappings.
    min_at_risk
        Curves stop where fewer patients remain at risk.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (disease, other causes) per truncation, sharing the y axis; a message figure
        when there is nothing to draw.
    """
    analysis, settings = sv.Analysis.of(analysis), sv.Settings.of(settings)
    curves, counts = tables["cif_curves"], tables["cif"]
    title = f"{analysis.title}: cumulative incidence of death by cause"
    if curves.empty:
        return message_figure(
            title,
            "no patient in the analysis population",
            "(exclusions.tsv counts every patient excluded, step by step)",
        )
    setup()
    truncs = [t for t in settings.truncations if (curves["truncation"] == t).any()]
    max_time = _max_time(tables["data"], settings)
    line = FONT * 1.45 / 72  # inches per line of 9 pt text
    legend_h = 0.15 + line * len(analysis.levels)
    fig = plt.figure(
        figsize=(REPORT_WIDTH_IN, 1.6 + legend_h + 3.3 * len(truncs)), layout="constrained"
    )
    gs = fig.add_gridspec(1 + len(truncs), 2, height_ratios=[legend_h] + [3.3] * len(truncs))
    key = fig.add_subplot(gs[0, :])  # the legend's own row: never over a curve
    key.set_axis_off()
    axes = np.empty((len(truncs), 2), dtype=object)
    for j in range(len(truncs)):
        axes[j, 0] = fig.add_subplot(gs[1 + j, 0])
        axes[j, 1] = fig.add_subplot(gs[1 + j, 1], sharey=axes[j, 0])
        axes[j, 1].tick_params(labelleft=False)
    top, drawn = 0.05, set()
    for j, trunc in enumerate(truncs):
        for k, cause in enumerate((1, 2)):
            drawn |= set(
                cif_panel(
                    axes[j, k],
                    curves,
                    analysis.levels,
                    trunc,
                    cause,
                    max_time,
                    min_at_risk=min_at_risk,
                )
            )
            shown = curves[(curves["truncation"] == trunc) & (curves["n_risk"] >= min_at_risk)]
            top = max(top, float(shown["cif"].max()) if len(shown) else 0.0)
        label = TRUNCATION_LABEL[trunc] if len(truncs) > 1 else "At risk from diagnosis"
        axes[j, 0].set_ylabel(f"Cumulative incidence\n{label}", fontsize=FONT)
    for ax in axes[:, 0]:
        ax.set_ylim(0, min(1.0, top * 1.1 + 0.02))
    key.legend(
        handles=legend_handles(counts, analysis.levels, truncs[0], drawn),
        loc="center left",
        frameon=False,
        fontsize=FONT,
        handlelength=3.2,
        borderaxespad=0.0,
    )
    note = (
        "Aalen-Johansen estimates: a death of the other cause ends follow-up as a competing event "
        "(not censored), so at any time the two panels of a group add up to 1 - overall "
        f"survival. Curves stop when fewer than {min_at_risk} patients remain at risk. cif.tsv "
        "gives the estimates with 95% CIs at the report times; the Kaplan-Meier and Cox results "
        "of this analysis are cause-specific (deaths of other causes censored)."
    )
    fig.supxlabel(
        wrap(note, REPORT_WIDTH_IN - 0.2, FONT), x=0.01, ha="left", fontsize=FONT, color="#444444"
    )
    fig.suptitle(wrap(title, REPORT_WIDTH_IN - 0.2, FONT + 2), fontsize=FONT + 2)
    return fig
