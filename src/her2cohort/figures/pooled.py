"""Forest figures of the pooled results: one row per cohort and the pooled diamond(s) per quantity.

Drawn from the pooled tables (:mod:`her2cohort.pooled`): the enrichment figure has one section per
pooled alteration (per-cohort Woolf odds ratios, the Mantel-Haenszel diamond), the survival figure
one per pooled analysis x model x term of the main analyses (per-cohort primary-fit hazard ratios,
fixed-effect and DerSimonian-Laird diamonds). A figure with nothing to pool says why.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from matplotlib.transforms import blended_transform_factory

from her2cohort.figures.style import HER2_PALETTE, message_figure, plt, setup
from her2cohort.pooled import PooledResults

ROW_INCH = 0.2
COHORT_COLOR = "#333333"
#: x-axis limits never go beyond these (estimates beyond are clipped, with an arrow)
X_RANGE = (0.05, 20.0)


@dataclass(frozen=True)
class Row:
    """One forest row: a section header (``kind`` "header"), a cohort or a pooled estimate."""

    label: str
    text: str
    kind: str = "cohort"
    est: float = np.nan
    lo: float = np.nan
    hi: float = np.nan
    size: float = 5.0
    color: str = COHORT_COLOR
    filled: bool = True


def _fmt(est: float, lo: float, hi: float) -> str:
    if not np.isfinite([est, lo, hi]).all():
        return "not estimable"
    return f"{est:.2f} ({lo:.2f}-{hi:.2f})"


def _p(p: float) -> str:
    return "NA" if not np.isfinite(p) else (f"{p:.2g}" if p >= 0.001 else "<0.001")


def _ticks(lo: float, hi: float) -> list[float]:
    nice = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0] if hi / lo > 6 else None
    nice = nice or [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
    return [t for t in nice if lo <= t <= hi]


def forest(rows: list[Row], title: str, xlabel: str, head: str, footnote: str) -> Figure:
    """Draw the rows top to bottom on a log axis; ``head`` titles the estimate column.

    Cohorts are squares (area ~ ``size``) with CI lines, pooled estimates diamonds spanning their
    CI; estimates beyond :data:`X_RANGE` are clipped with an arrow.
    """
    setup()
    notes = textwrap.wrap(footnote, 150)
    n, bottom, top = len(rows), 0.55 + 0.13 * len(notes), 0.45
    height = top + bottom + ROW_INCH * n
    fig = plt.figure(figsize=(9.0, height))
    ax = fig.add_axes((0.3, bottom / height, 0.38, ROW_INCH * n / height))
    fig.text(0.01, 1 - 0.08 / height, title, ha="left", va="top", fontsize=10)
    fig.text(0.01, 0.06 / height, "\n".join(notes), ha="left", va="bottom", fontsize=6.5)
    finite = [v for r in rows for v in (r.lo, r.hi) if np.isfinite(v) and v > 0]
    lo = max(X_RANGE[0], min([0.8, *finite]) / 1.15)
    hi = min(X_RANGE[1], max([1.25, *finite]) * 1.15)
    text = blended_transform_factory(fig.transFigure, ax.transData)
    for i, r in enumerate(rows):
        y = n - 1 - i
        weight = "bold" if r.kind == "header" else "normal"
        indent = 0.01 if r.kind == "header" else 0.025
        ax.text(indent, y, r.label, transform=text, va="center", fontsize=7.5, fontweight=weight)
        style = "italic" if r.kind == "header" else "normal"
        ax.text(0.70, y, r.text, transform=text, va="center", fontsize=7, style=style)
        if r.kind == "header" or not np.isfinite([r.est, r.lo, r.hi]).all():
            continue
        a, b = max(r.lo, lo), min(r.hi, hi)
        if r.kind == "pooled":
            corners = [(a, y), (min(max(r.est, lo), hi), y + 0.32), (b, y), (r.est, y - 0.32)]
            fc = r.color if r.filled else "white"
            ax.add_patch(Polygon(corners, closed=True, fc=fc, ec=r.color, lw=1))
        else:
            ax.plot([a, b], [y, y], color=r.color, lw=1)
            if lo <= r.est <= hi:
                ax.plot([r.est], [y], marker="s", ms=r.size, color=r.color, mfc=r.color)
        for edge, clipped, mark in ((a, r.lo < lo, "<"), (b, r.hi > hi, ">")):
            if clipped:
                ax.plot([edge], [y], marker=mark, ms=4, color=r.color)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(lo, hi)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(1.0, color="#999999", lw=0.8, ls="--", zorder=0)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    ax.text(0.70, n - 0.2, head, transform=text, va="bottom", fontsize=7.5, fontweight="bold")
    return fig


def _size(weight: float) -> float:
    return float(3 + 5 * np.sqrt(weight / 100)) if np.isfinite(weight) else 5.0


def _never_pooled(table: pd.DataFrame) -> list[str]:
    """Cohorts excluded from every row because they cannot tell HER2-0 from HER2-low."""
    reasons = table["exclusion_reasons"].fillna("").astype(str)
    cohorts = {c.strip() for v in table["excluded_cohorts"].dropna() for c in str(v).split(",")}
    return sorted(c for c in cohorts if c and reasons.str.contains(f"{c}: cannot tell").all())


def _caveats(drawn: pd.DataFrame) -> str:
    """Every distinct caveat of the drawn rows (how the pooled cohorts differ), as sentences."""
    return " ".join(f"{c[:1].upper()}{c[1:]}." for c in dict.fromkeys(drawn["caveat"].astype(str)))


def enrichment_forest(pooled: pd.DataFrame, by_cohort: pd.DataFrame) -> Figure:
    """Pooled HER2-low enrichment: a section per pooled alteration (cohorts, MH diamond)."""
    title = "HER2-low vs HER2-0 odds ratio, altered vs unaltered, pooled across cohorts"
    done = pooled[pooled["status"].astype(str).str.startswith("pooled")]
    never = _never_pooled(pooled)
    why = f" Never pooled (cannot tell HER2-0 from HER2-low): {', '.join(never)}." if never else ""
    if done.empty:
        message = f"Nothing to pool: no alteration is usable in two or more cohorts.{why}"
        return message_figure(title, message, "row by row: results/pooled/enrichment.tsv")
    rows, low = [], HER2_PALETTE["HER2-low"]
    for r in done.itertuples(index=False):
        note = f"CMH p={_p(r.cmh_p)}, Breslow-Day p={_p(r.breslow_day_p)}, I²={r.i2_pct:.0f}%"
        rows.append(Row(f"{r.alteration} ({r.genes})", note, "header"))
        sub = by_cohort[(by_cohort["alteration"] == r.alteration) & by_cohort["pooled"]]
        for c in sub.itertuples(index=False):
            mark = " +0.5" if c.continuity_corrected else ""
            counts = f"  {c.n_her2_low}/{c.n_her2_low + c.n_her2_0} altered HER2-low"
            est = _fmt(c.odds_ratio, c.or_ci_low, c.or_ci_high) + mark + counts
            rows.append(Row(c.cohort, est, est=c.odds_ratio, lo=c.or_ci_low, hi=c.or_ci_high))
        mh = (r.mh_odds_ratio, r.mh_ci_low, r.mh_ci_high)
        rows.append(Row("Mantel-Haenszel", _fmt(*mh), "pooled", *mh, color=low))
    rest = len(pooled) - len(done)
    footnote = (
        f"Squares: per-cohort Woolf odds ratio (+0.5: a cell was 0, 0.5 added to its four cells); "
        f"diamond: cohort-stratified Mantel-Haenszel OR (95% CI). Rule set {done.iloc[0].ruleset}."
        f"{why}{f' {rest} alteration(s) usable in fewer than two cohorts are not drawn.' if rest else ''}"
        f" Per alteration, what was excluded and why: results/pooled/enrichment.tsv. "
        f"{_caveats(done)}"
    )
    xlabel = "Odds ratio of HER2-low vs HER2-0, altered vs unaltered (log scale)"
    return forest(rows, title, xlabel, "OR (95% CI)", footnote)


def survival_forest(pooled: pd.DataFrame, by_cohort: pd.DataFrame) -> Figure:
    """Pooled Cox hazard ratios of the main analyses: cohorts, fixed and random-effects diamonds."""
    title = "Cox hazard ratios pooled across cohorts (primary fit per cohort)"
    main = ~pooled["analysis"].astype(str).str.contains("__", regex=False)
    done = pooled[main & pooled["status"].astype(str).str.startswith("pooled")]
    if done.empty:
        have = by_cohort[~by_cohort["analysis"].astype(str).str.contains("__", regex=False)]
        per = have.groupby("cohort", sort=False)["analysis"].unique()
        listed = "; ".join(f"{c}: {', '.join(a)}" for c, a in per.items())
        message = (
            "Nothing to pool: no survival analysis, model and term is in two or more cohorts"
            + (f" ({listed})." if listed else ".")
        )
        return message_figure(title, message, "row by row: results/pooled/survival.tsv")
    rows = []
    for r in done.itertuples(index=False):
        note = f"I²={r.i2_pct:.0f}%, Q p={_p(r.q_p)}, tau²={r.tau2:.3g}"
        rows.append(Row(f"{r.analysis}, {r.model}: {r.term}", note, "header"))
        key = (by_cohort["analysis"] == r.analysis) & (by_cohort["model"] == r.model)
        sub = by_cohort[key & (by_cohort["term"] == r.term) & by_cohort["pooled"]]
        for c in sub.itertuples(index=False):
            text = f"{_fmt(c.hr, c.ci_low, c.ci_high)}  {c.weight_fixed_pct:.0f}% weight"
            label = f"{c.cohort} ({'left-truncated' if c.truncation == 'left' else 'naive'})"
            size = _size(c.weight_fixed_pct)
            rows.append(Row(label, text, est=c.hr, lo=c.ci_low, hi=c.ci_high, size=size))
        fixed = (r.fixed_hr, r.fixed_ci_low, r.fixed_ci_high)
        rand = (r.random_hr, r.random_ci_low, r.random_ci_high)
        rows.append(Row("fixed effect", _fmt(*fixed), "pooled", *fixed))
        rows.append(Row("random effects (DL)", _fmt(*rand), "pooled", *rand, filled=False))
    footnote = (
        "Squares: each cohort's primary fit (left-truncated where it has one, else naive), area "
        "~ fixed-effect weight; filled diamond: inverse-variance fixed effect, open diamond: "
        "DerSimonian-Laird random effects (95% CI). HER2 sensitivity variants and contrasts in "
        f"one cohort only are not drawn (results/pooled/survival.tsv). {_caveats(done)}"
    )
    return forest(rows, title, "Hazard ratio (log scale)", "HR (95% CI)", footnote)


def pooled_figures(result: PooledResults) -> dict[str, Figure]:
    """The forest figures of the pooled tables, by output name (``enrichment_forest``, ...)."""
    return {
        "enrichment_forest": enrichment_forest(result.enrichment, result.enrichment_by_cohort),
        "survival_forest": survival_forest(result.survival, result.survival_by_cohort),
    }
