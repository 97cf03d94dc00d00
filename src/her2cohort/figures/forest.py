"""Cox forest plots, drawn from the computed ``cox`` table as a clinical forest plot reads.

One block per model, named by what it adjusts for ("Adjusted for age at diagnosis and primary HR
status"); within it one heading per factor and one row per level, the reference level included
(HR 1); beside each row the patients (deaths) of the level, counted from the analysis table
(``data.tsv``) when given, the hazard ratio with its 95% CI and the term's Wald p. Naive and
left-truncated fits share each row: grey above, black below, in the plot and in the text columns.

Nothing a reader sees is a configuration or column name: variables are named in words
(:data:`VARIABLE_LABELS`, else the name humanised), a sensitivity variant's title says its rule
set and 0-1+ assignment in words. The figure is drawn at the report's width
(:data:`~her2cohort.figures.style.REPORT_WIDTH_IN`) with no text under :data:`FONT` pt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from her2cohort import survival as sv
from her2cohort.figures.km import TRUNCATION_COLOR, TRUNCATION_SHORT
from her2cohort.figures.layout import alteration_label, format_p
from her2cohort.figures.style import REPORT_WIDTH_IN, her2_rule_text, setup, text_width, wrap
from her2cohort.figures.wording import (
    NUMERIC_UNITS,
    cap,
    model_label,
    variable_label,
)

FONT = 9  # pt: the smallest text (the figure is drawn at the report's width)
#: the suffix :func:`her2cohort.survival.expand_analyses` gives a sensitivity variant's title
_VARIANT = re.compile(r"\s*\[(?P<rule>[\w-]+), 0-1\+ (?P<zero_one>\w+)\]\s*$")
TRUNCATION_LEGEND = {
    "none": "naive (at risk from diagnosis)",
    "left": "left-truncated (at risk from first sequencing)",
}
MARKER = {"none": "s", "left": "D"}
_INDENT = {"model": 0.0, "factor": 0.1, "level": 0.25}  # inches


def _group_label(analysis: sv.Analysis | None, levels: Sequence[str]) -> str:
    if analysis is None:
        return "HER2 category" if levels and all(v.startswith("HER2-") for v in levels) else "group"
    if analysis.group_source == "her2":
        tissue = "primary tumour" if analysis.her2_tissue == "primary" else "sequenced sample"
        return f"HER2 category of the {tissue}"
    alteration = getattr(analysis, "alteration", None)  # an alteration group: "PIK3CA mut"
    if analysis.group_source == "alteration" and alteration:
        return alteration_label(str(alteration))
    return variable_label(analysis.group_source)


#: what an event is, per endpoint (``Analysis.endpoint``)
EVENT_WORDS = {"os": ("deaths", "death"), "dss": ("disease deaths", "death from the disease")}


def forest_titles(title: str, analysis: sv.Analysis | None = None) -> tuple[str, str | None]:
    """The title and subtitle: a sensitivity variant's ``[rule, 0-1+ x]`` title suffix, or a HER2
    analysis' rule set, said in words."""
    m = _VARIANT.search(title)
    if m:
        rule = her2_rule_text(m["rule"], m["zero_one"])
        return title[: m.start()], f"Sensitivity analysis, HER2 by {rule}"
    if analysis is not None and analysis.group_source == "her2" and analysis.her2_rule:
        return title, f"HER2 by {her2_rule_text(analysis.her2_rule, analysis.her2_zero_one)}"
    return title, None


def format_ratio(est: float, lo: float, hi: float) -> str:
    """``1.52 (1.10-2.10)``."""
    return f"{est:.2f} ({lo:.2f}-{hi:.2f})"


@dataclass(frozen=True)
class _Row:
    kind: str  # model | factor | level
    label: str
    model: str
    var: str | None = None
    level: str | None = None  # None on a numeric covariate's row
    reference: bool = False

    @property
    def term(self) -> str | None:
        if self.kind != "level" or self.reference:
            return None
        return self.var if self.level is None else f"{self.var}:{self.level}"


def _rows(
    cox: pd.DataFrame, references: Mapping[str, str], analysis: sv.Analysis | None
) -> list[_Row]:
    rows: list[_Row] = []
    for model in dict.fromkeys(cox["model"]):
        terms = list(dict.fromkeys(cox.loc[cox["model"] == model, "term"].astype(str)))
        levels_of: dict[str, list[str]] = {}
        for t in terms:
            var, _, level = t.partition(":")
            if level:
                levels_of.setdefault(var, []).append(level)
        variables = list(analysis.models.get(model, ())) if analysis is not None else []
        variables = variables or list(dict.fromkeys(t.partition(":")[0] for t in terms))
        rows.append(_Row("model", model_label(variables), model))
        for var in variables:
            if var not in levels_of and var not in references:  # numeric
                rows.append(_Row("factor", cap(variable_label(var)), model, var))
                rows.append(_Row("level", NUMERIC_UNITS.get(var, "per unit"), model, var))
                continue
            configured: Sequence[str] = ()
            if analysis is not None:
                configured = (
                    analysis.levels if var == "group" else analysis.categorical.get(var, ())
                )
            ref = references.get(var, configured[0] if configured else None)
            shown = levels_of.get(var, [])
            ordered = [v for v in configured if v in shown] + [
                v for v in shown if v not in configured
            ]
            if var == "group":
                label = _group_label(analysis, [v for v in (ref, *ordered) if v])
            else:
                label = variable_label(var)
            rows.append(_Row("factor", cap(label), model, var))
            if ref is not None:
                rows.append(_Row("level", ref, model, var, ref, reference=True))
            rows += [_Row("level", v, model, var, v) for v in ordered if v != ref]
    return rows


def _counts(
    data: pd.DataFrame | None, truncation: str, var: str, covariates: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Patients and deaths per level of ``var`` in the fit's population."""
    if data is None or data.empty or var not in data:
        return {}
    pop = sv.fit_population(data, truncation) if "entry" in data else data
    pop = pop.dropna(subset=[c for c in covariates if c in pop])
    grouped = pop.groupby(pop[var].astype(str))["event"]
    sizes, deaths = grouped.size(), grouped.sum()
    return {str(k): (int(sizes[k]), int(deaths[k])) for k in sizes.index}


def _log_ticks(lo: float, hi: float) -> list[float]:
    if hi / lo > 6:
        nice = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    else:
        nice = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
    return [t for t in nice if lo <= t <= hi]


def forest_figure(
    cox: pd.DataFrame,
    title: str,
    references: Mapping[str, str] | None = None,
    *,
    data: pd.DataFrame | None = None,
    analysis: sv.Analysis | None = None,
) -> Figure:
    """Hazard ratios (95% CI, log scale) per model, factor and level, with patients (deaths),
    HR (95% CI) and p beside each row; naive and left-truncated fits in the same rows.

    Parameters
    ----------
    cox
        The analysis' ``cox`` table (term, hr, ci_low, ci_high, p, n, events, model, truncation).
    title
        The analysis title; a sensitivity variant's ``[rule, 0-1+ x]`` suffix becomes a subtitle.
    references
        Reference level of each categorical term (``group`` and categorical covariates);
        by default ``analysis.references``.
    data
        The analysis table (``data.tsv``): patients and deaths per level. Without it only each
        model's totals (from ``cox``) are shown.
    analysis
        The analysis: level order, the group in words ("HER2 category of the primary tumour"),
        each model's terms, the HER2 rule set for the subtitle.
    """
    setup()
    references = dict(references or (analysis.references if analysis is not None else {}))
    truncs = [t for t in sv.TRUNCATIONS if t in set(cox["truncation"])]
    two = len(truncs) > 1
    color = dict(TRUNCATION_COLOR) if two else {"none": "#000000", "left": "#000000"}
    face = {"none": "white", "left": color["left"]} if two else {"none": "black", "left": "black"}
    offset = {t: (0.19 if two else 0.0) * (1 if t == "none" else -1) for t in truncs}
    rows = _rows(cox, references, analysis)
    n = len(rows)
    title, subtitle = forest_titles(title, analysis)
    events, event = EVENT_WORDS.get(str(getattr(analysis, "endpoint", "os")), EVENT_WORDS["os"])

    # the text of every row and truncation first: the columns are as wide as their text
    counts: dict[tuple[str, str, str], dict[str, tuple[int, int]]] = {}
    cells: dict[tuple[int, str], tuple[str, str, str, bool]] = {}  # n, HR, p, italic
    marks: dict[tuple[int, str], tuple[float, float, float] | None] = {}
    for i, row in enumerate(rows):
        if row.kind == "factor":
            continue
        terms = analysis.models.get(row.model, ()) if analysis is not None else ()
        for t in truncs:
            if row.kind == "model":
                sub = cox[(cox["model"] == row.model) & (cox["truncation"] == t)]
                if not sub.empty:
                    r0 = sub.iloc[0]
                    cells[i, t] = (f"{int(r0['n']):,} ({int(r0['events']):,})", "", "", True)
                continue
            nd = None
            if row.level is not None and row.var is not None:
                key = (row.model, t, row.var)
                if key not in counts:
                    counts[key] = _counts(data, t, row.var, [*terms, row.var])
                nd = counts[key].get(row.level)
            n_text = f"{nd[0]:,} ({nd[1]:,})" if nd is not None else ""
            if row.reference:
                cells[i, t] = (n_text, "1 (reference)", "", False)
                marks[i, t] = (1.0, np.nan, np.nan)
                continue
            hit = cox[
                (cox["model"] == row.model) & (cox["term"] == row.term) & (cox["truncation"] == t)
            ]
            if hit.empty:
                continue
            r = hit.iloc[0]
            est = (float(r["hr"]), float(r["ci_low"]), float(r["ci_high"]))
            if not np.isfinite(est).all():
                why = f" (no {events})" if nd is not None and nd[1] == 0 else ""
                cells[i, t] = (n_text, f"not estimable{why}", "", True)
                continue
            cells[i, t] = (n_text, format_ratio(*est), format_p(float(r["p"])), False)
            marks[i, t] = est

    # layout, in inches: labels | plot | patients (deaths) | HR (95% CI) | p
    heads = (f"patients\n({events})", "HR (95% CI)", "p")
    # a "not estimable" note (no p beside it) may run into the p column
    strings: list[tuple[str, str, str]] = [(c[0], c[1], c[2]) for c in cells.values()]
    spill = [c[1] for c in strings if not c[2] and c[1].startswith("not estimable")]
    col_w = [
        max(
            text_width(heads[k], FONT, "bold"),
            *(text_width(c[k]) for c in strings if c[k] not in spill),
        )
        + 0.12
        for k in range(3)
    ]
    col_w[1] = max([col_w[1], *(text_width(s) + 0.12 - col_w[2] for s in spill)])
    level_w = [text_width(r.label) + _INDENT["level"] for r in rows if r.kind == "level"]
    label_w = max([0.8, *level_w]) + 0.1
    pad = 0.1
    plot_w = REPORT_WIDTH_IN - 2 * pad - label_w - sum(col_w)
    width = REPORT_WIDTH_IN if plot_w >= 1.5 else REPORT_WIDTH_IN + 1.5 - plot_w
    plot_w = max(plot_w, 1.5)
    title_text = wrap(title, width - 2 * pad, FONT + 1)
    sub_text = wrap(subtitle, width - 2 * pad, FONT) if subtitle else ""
    title_h = 0.2 * (title_text.count("\n") + 1) + (
        0.18 * (sub_text.count("\n") + 1) if sub_text else 0
    )
    row_h = 0.38 if two else 0.3
    notes = [
        f"HR > 1 means a higher hazard of {event} than in the reference level; p from the "
        "Wald test of the term."
    ]
    notes = [wrap(s, width - 2 * pad, FONT) for s in notes]
    note_h = 0.17 * sum(s.count("\n") + 1 for s in notes)
    legend_h = 0.19 * (len(truncs) + 1) + 0.1 if two else 0.0
    top = 0.15 + title_h + 0.45
    bottom = 0.5 + legend_h + note_h + 0.1
    height = top + bottom + row_h * n
    fig = plt.figure(figsize=(width, height))
    x0 = (pad + label_w) / width
    ax = fig.add_axes((x0, bottom / height, plot_w / width, row_h * n / height))
    fig.text(pad / width, 1 - 0.1 / height, title_text, ha="left", va="top", fontsize=FONT + 1)
    if sub_text:
        y_sub = 1 - (0.12 + 0.2 * (title_text.count("\n") + 1)) / height
        fig.text(pad / width, y_sub, sub_text, ha="left", va="top", fontsize=FONT, color="#444444")
    col_x = [x0 + (plot_w + sum(col_w[:k])) / width + 0.08 / width for k in range(3)]
    row_text = blended_transform_factory(fig.transFigure, ax.transData)

    def put(x: float, y: float, s: str, **kw: Any) -> None:
        style = {"va": "center", "ha": "left", "fontsize": FONT, **kw}
        ax.text(x, y, s, transform=row_text, **style)

    lo_all, hi_all = [1.0], [1.0]
    for i, row in enumerate(rows):
        y = n - 1 - i
        weight = "bold" if row.kind == "model" else "normal"
        # headings run into the plot's empty row, up to the text columns
        label = row.label
        if row.kind != "level":
            label = wrap(label, label_w + plot_w - _INDENT[row.kind] - 0.1, FONT, weight)
        put(
            (pad + _INDENT[row.kind]) / width, y, label, fontweight=weight, zorder=3,
            bbox={"fc": "white", "ec": "none", "pad": 0.3}, linespacing=1.0,
        )  # fmt: skip
        for t in truncs:
            yy = y + offset[t]
            cell = cells.get((i, t))
            if cell is not None:
                for k, s in enumerate(cell[:3]):
                    if s:
                        put(
                            col_x[k], yy, s, color=color[t], style="italic" if cell[3] else "normal"
                        )
            mark = marks.get((i, t))
            if mark is None:
                continue
            hr_est, ci_lo, ci_hi = mark
            if np.isfinite(ci_lo):
                ax.plot([ci_lo, ci_hi], [yy, yy], color=color[t], lw=1.3)
                lo_all.append(ci_lo)
                hi_all.append(ci_hi)
            ax.plot([hr_est], [yy], marker=MARKER[t], color=color[t], ms=5, mfc=face[t], ls="none")
    ax.set_xscale("log")
    lo = min([0.8, *lo_all]) / 1.12
    hi = max([1.25, *hi_all]) * 1.12
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(_log_ticks(lo, hi)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", labelsize=FONT)
    ax.axvline(1.0, color="#999999", lw=0.8, ls="--", zorder=0)
    for i, row in enumerate(rows):
        if row.kind == "model" and i:
            ax.axhline(n - 1 - i + 0.5, color="#DDDDDD", lw=0.6, zorder=0)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_ylim(-0.55, n - 0.45)
    ax.set_xlabel("Hazard ratio (log scale)", fontsize=FONT)
    head = blended_transform_factory(fig.transFigure, ax.transAxes)
    for x, h in zip(col_x, heads, strict=True):
        ax.text(x, 1.0 + 0.06 / (row_h * n), h, transform=head, ha="left", va="bottom",
                fontsize=FONT, fontweight="bold")  # fmt: skip
    if two:
        handles = [
            Line2D(
                [], [], color=color[t], marker=MARKER[t], mfc=face[t], label=TRUNCATION_LEGEND[t]
            )
            for t in truncs
        ]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(pad / width, (legend_h + note_h + 0.1) / height),
            ncol=1,
            frameon=False,
            fontsize=FONT,
            title=f"each row, {TRUNCATION_SHORT['none']} above and {TRUNCATION_SHORT['left']} below",
            title_fontsize=FONT,
            alignment="left",
        )
    y_note = 0.06
    for note in reversed(notes):
        fig.text(pad / width, y_note / height, note, fontsize=FONT, color="#444444", va="bottom")
        y_note += 0.17 * (note.count("\n") + 1)
    return fig
