"""The claims forest: each claim's primary estimate per cohort, coloured by its verdict."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from her2cohort.figures.style import REPORT_WIDTH_IN, message_figure, plt, setup

VERDICT_COLORS = {
    "supported": "#009E73",
    "contradicted": "#D55E00",
    "inconclusive": "#777777",
}
RATIO_PREFIXES = ("OR", "Mantel-Haenszel OR", "HR")


def _panel_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Primary rows with an estimate: ratios (OR / HR, log scale) and proportions (0-100%)."""
    t = table[(table["role"] == "primary") & table["estimate"].notna()].copy()
    t = t[t["verdict"].isin(list(VERDICT_COLORS))]
    q = t["quantity"].astype(str)
    ratio = q.str.startswith(RATIO_PREFIXES) & t["ci_low"].notna()
    share = q.str.startswith("share") & t["ci_low"].notna()
    return t[ratio.to_numpy(bool)], t[share.to_numpy(bool)]


def _draw(ax: Axes, rows: pd.DataFrame, labels: Mapping[str, str], log: bool) -> None:
    y = np.arange(len(rows))[::-1]
    scale = 1.0 if log else 100.0
    for yi, r in zip(y, rows.itertuples(), strict=True):
        c = VERDICT_COLORS[str(r.verdict)]
        est, lo, hi = float(r.estimate) * scale, float(r.ci_low) * scale, float(r.ci_high) * scale
        if log:
            lo, hi = max(lo, 0.1), min(hi, 10.0)
            est = min(max(est, 0.1), 10.0)
        ax.plot([lo, hi], [yi, yi], color=c, lw=1.6)
        ax.text(
            1.02,
            yi,
            str(r.verdict),
            color=c,
            fontsize=7,
            va="center",
            transform=ax.get_yaxis_transform(),
        )
        ax.plot(est, yi, "s", color=c, ms=6)
    names = [f"{r.claim_id} | {r.cohort}" for r in rows.itertuples()]
    ax.set_yticks(y, names, fontsize=7.5)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(0.1, 10)
        ticks = [0.1, 0.5, 1, 2, 10]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.axvline(1, color="#333333", lw=0.8)
        ax.set_xlabel("odds ratio (HER2-low vs HER2-0) or hazard ratio, 95% CI")
    else:
        ax.set_xlim(0, 100)
        ax.set_xlabel("percentage, 95% CI (band: the claimed range)")
        for yi, r in zip(y, rows.itertuples(), strict=True):
            if isinstance(r.claimed_range, tuple):
                ax.fill_betweenx([yi - 0.3, yi + 0.3], 100 * r.claimed_range[0], 100 * r.claimed_range[1],
                                 color="#CCCCCC", zorder=0)  # fmt: skip


def _claimed_range(rule: str) -> tuple[float, float] | None:
    """The range of a range rule, read back from its words ('within 25-34%')."""
    import re

    m = re.search(r"within ([0-9.]+)-([0-9.]+)%", str(rule))
    return (float(m.group(1)) / 100, float(m.group(2)) / 100) if m else None


def claims_forest(table: pd.DataFrame, labels: Mapping[str, str]) -> Figure:
    """Two panels: ratio claims (log scale, 1 = no difference) and proportion claims (%).
    Square colour: the verdict under the claim's prespecified rule (primary rows only; the
    sensitivity, naive-contrast and not-testable rows are in results/claims.tsv)."""
    setup()
    ratios, shares = _panel_rows(table)
    shares = shares.assign(claimed_range=shares["rule"].map(_claimed_range))
    if ratios.empty and shares.empty:
        return message_figure(
            "Claims", "no claim has an estimate in these cohorts", "(results/claims.tsv says why)"
        )
    heights = [max(len(ratios), 1), max(len(shares), 1)]
    fig, axes = plt.subplots(
        2,
        1,
        figsize=(REPORT_WIDTH_IN, 0.27 * sum(heights) + 2.4),
        gridspec_kw={"height_ratios": heights},
    )
    for ax, rows, log in ((axes[0], ratios, True), (axes[1], shares, False)):
        if rows.empty:
            ax.set_axis_off()
            continue
        _draw(ax, rows, labels, log)
    axes[0].set_title("Claims of the literature: primary estimate per cohort", fontsize=10)
    handles = [
        Line2D([], [], marker="s", ls="", color=c, label=v) for v, c in VERDICT_COLORS.items()
    ]
    fig.legend(handles=handles, loc="lower right", fontsize=7.5, frameon=False, ncol=3)
    untestable = table[table["verdict"] == "not testable"]
    fig.text(
        0.01,
        0.005,
        f"{len(untestable)} rows not testable (why: results/claims.tsv)",
        fontsize=7.5,
        color="#444444",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
