"""Survival figures: Kaplan-Meier curves with CI bands and a number-at-risk table, Cox forest plot.

The figures draw the computed tables (``km_curves``, ``logrank``, ``cox``), so a figure always
shows exactly what the tables report; only the numbers at risk under the curves are counted from
the analysis table (``data.tsv``), at the plot's tick times.
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
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from matplotlib.transforms import blended_transform_factory

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


class SurvivalFigures(NamedTuple):
    """An analysis' Kaplan-Meier and Cox forest figures."""

    km: Figure
    forest: Figure


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


def _label(term: str, references: Mapping[str, str]) -> str:
    var, _, level = term.partition(":")
    ref = f" vs {references[var]}" if var in references else ""
    if not level:
        return "age (per year)" if var == "age" else var.replace("_", " ")
    if var == "group":
        return f"{level}{ref}"
    name = (
        var.replace("_", " ")
        .replace("hr status", "HR status")
        .replace("her2 status", "HER2 status")
    )
    return f"{name}: {level}{ref}"


def _log_ticks(lo: float, hi: float) -> list[float]:
    if hi / lo > 6:
        nice = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    else:
        nice = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
    return [t for t in nice if lo <= t <= hi]


def forest_figure(
    cox: pd.DataFrame, title: str, references: Mapping[str, str] | None = None
) -> Figure:
    """Hazard ratios (95% CI, log scale) per model and term; naive and truncated side by side.

    ``references`` maps each categorical term (``group``, covariates) to its reference level.
    """
    setup()
    references = dict(references or {})
    models = list(dict.fromkeys(cox["model"]))
    truncs = [t for t in sv.TRUNCATIONS if t in set(cox["truncation"])]
    rows: list[tuple[str, str | None]] = []  # (model, term); term None = the model's header row
    for m in models:
        rows.append((m, None))
        rows += [(m, term) for term in dict.fromkeys(cox.loc[cox["model"] == m, "term"])]
    n = len(rows)
    short = TRUNCATION_SHORT if len(truncs) > 1 else {"none": "", "left": "left-truncated"}
    color = TRUNCATION_COLOR if len(truncs) > 1 else {"none": "#000000", "left": "#000000"}
    top, bottom = (
        0.75,
        0.6 + (0.3 if len(truncs) > 1 else 0.0),
    )  # inches: title + headers; axis + legend
    width, height = 6.4 + 1.5 * len(truncs), top + bottom + 0.3 * n
    fig = plt.figure(figsize=(width, height))
    right = 1 - (0.2 + 1.45 * len(truncs)) / width
    ax = fig.add_axes((0.33, bottom / height, right - 0.33, 0.3 * n / height))
    fig.text(0.01, 1 - 0.12 / height, title, ha="left", va="top", fontsize=10)
    offsets = {t: (0.14 if len(truncs) > 1 else 0.0) * (1 if t == "none" else -1) for t in truncs}
    text_x = {t: right + 0.02 + k * 1.45 / width for k, t in enumerate(truncs)}
    row_text = blended_transform_factory(fig.transFigure, ax.transData)
    lo_all, hi_all, labels = [], [], []
    for i, (model, term) in enumerate(rows):
        y = n - 1 - i
        if term is None:
            sub = cox[cox["model"] == model].drop_duplicates("truncation").set_index("truncation")
            labels.append(f"{model} model")
            for t in truncs:
                if t in sub.index:
                    ax.text(
                        text_x[t],
                        y,
                        f"n={int(sub.loc[t, 'n'])}, {int(sub.loc[t, 'events'])} deaths",
                        transform=row_text,
                        va="center",
                        ha="left",
                        fontsize=7,
                        color="#555555",
                        style="italic",
                    )
            continue
        labels.append(_label(term, references))
        for t in truncs:
            r = cox[(cox["model"] == model) & (cox["term"] == term) & (cox["truncation"] == t)]
            if r.empty:
                continue
            r = r.iloc[0]
            if not np.isfinite([r["hr"], r["ci_low"], r["ci_high"]]).all():
                ax.text(
                    text_x[t],
                    y,
                    "not estimable",
                    transform=row_text,
                    va="center",
                    ha="left",
                    fontsize=7.5,
                    color=color[t],
                    style="italic",
                )
                continue
            yy = y + offsets[t]
            ax.plot([r["ci_low"], r["ci_high"]], [yy, yy], color=color[t], lw=1.2)
            ax.plot(
                [r["hr"]],
                [yy],
                marker="s" if t == "none" else "D",
                color=color[t],
                ms=4.5,
                mfc="white" if t == "none" else color[t],
            )
            lo_all.append(r["ci_low"])
            hi_all.append(r["ci_high"])
            ax.text(
                text_x[t],
                y,
                f"{r['hr']:.2f} ({r['ci_low']:.2f}-{r['ci_high']:.2f})",
                transform=row_text,
                va="center",
                ha="left",
                fontsize=7.5,
                color=color[t],
            )
    ax.set_xscale("log")
    lo = min([0.8, *lo_all]) / 1.12
    hi = max([1.25, *hi_all]) * 1.12
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(_log_ticks(lo, hi)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(1.0, color="#999999", lw=0.8, ls="--", zorder=0)
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(reversed(labels)), fontsize=8)
    for lab, (_, term) in zip(ax.get_yticklabels(), reversed(rows), strict=True):
        if term is None:
            lab.set_fontweight("bold")
    ax.set_ylim(-0.7, n - 0.3)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Hazard ratio (95% CI, log scale)")
    head = blended_transform_factory(fig.transFigure, ax.transAxes)
    for t in truncs:
        ax.text(
            text_x[t],
            1.01,
            f"HR (95% CI)\n{short[t]}".strip(),
            transform=head,
            ha="left",
            va="bottom",
            fontsize=7.5,
            fontweight="bold",
            color=color[t],
        )
    if len(truncs) > 1:
        handles = [
            Line2D(
                [],
                [],
                color=color[t],
                marker="s" if t == "none" else "D",
                mfc="white" if t == "none" else color[t],
                label=TRUNCATION_SHORT[t],
            )
            for t in truncs
        ]
        fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=((0.33 + right) / 2, 0.02),
            ncol=len(truncs),
            frameon=False,
            fontsize=7.5,
        )
    return fig


def survival_figures(
    tables: Mapping[str, pd.DataFrame],
    analysis: sv.Analysis | Mapping[str, Any],
    settings: sv.Settings | Mapping[str, Any],
) -> SurvivalFigures:
    """An analysis' Kaplan-Meier and forest figures, from its tables.

    Parameters
    ----------
    tables
        The analysis' ``data``, ``km_curves``, ``logrank`` and ``cox`` tables (as read from their
        TSVs: :func:`her2cohort.io.read_tsv`).
    analysis, settings
        The analysis (levels, title, reference levels) and the cohort's settings (truncations,
        time axis), or their ``as_dict()`` mappings (as the workflow passes them).

    Returns
    -------
    SurvivalFigures
    """
    analysis, settings = sv.Analysis.of(analysis), sv.Settings.of(settings)
    km = km_figure(
        tables["km_curves"],
        tables["data"],
        analysis.levels,
        settings.truncations,
        analysis.title,
        tables["logrank"],
        settings.plot_max_months,
        settings.plot_step_months,
    )
    forest = forest_figure(tables["cox"], analysis.title, analysis.references)
    return SurvivalFigures(km, forest)
