"""Enrichment figures: share HER2-low per alteration, odds-ratio forest, oncoprint-style matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from her2cohort.figures.style import HER2_PALETTE, mechanism_colors, message_figure, plt, setup
from her2cohort.terms import CATEGORIES


def _row_figure(n_rows: int) -> tuple[Figure, Axes]:
    """A figure tall enough for one row per alteration."""
    return plt.subplots(figsize=(6.8, 0.32 * max(n_rows, 3) + 1.6))


def _empty(fig: Figure, ax: Axes, message: str, title: str) -> Figure:
    """Say in the figure why there is nothing to draw (a cohort or rule set without estimates)."""
    detail = "(the enrichment table's status column says why, row by row)"
    return message_figure(title, message, detail, ax)


def _computed(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["pct_her2_low"].notna()].reset_index(drop=True)


def share_plot(table: pd.DataFrame, published: pd.DataFrame | None, title: str) -> Figure:
    """% HER2-low with Wilson 95% CI per alteration, coloured by mechanism; the cohort baseline
    (share HER2-low among all evaluable samples) as a reference line; published values marked."""
    setup()
    t = _computed(table)
    fig, ax = _row_figure(len(t))
    if t.empty:
        return _empty(fig, ax, "no alteration could be computed under this rule set", title)
    colors = mechanism_colors(t["mechanism"].tolist())
    y = np.arange(len(t))[::-1]
    for yi, row in zip(y, t.itertuples(), strict=True):
        c = colors[row.mechanism]
        ax.errorbar(
            row.pct_her2_low,
            yi,
            xerr=[
                [row.pct_her2_low - row.pct_her2_low_ci_low],
                [row.pct_her2_low_ci_high - row.pct_her2_low],
            ],
            fmt="o",
            color=c,
            ms=5,
            capsize=2,
            lw=1.2,
        )
    first = t.iloc[0]
    overall = (
        100
        * (first.n_her2_low + first.n_unaltered_her2_low)
        / (first.n_evaluable + first.n_unaltered_evaluable)
    )
    ax.axvline(overall, color="#555555", ls="--", lw=1)
    handles: list[Artist] = [
        Line2D([], [], color="#555555", ls="--", label=f"cohort: {overall:.1f}% HER2-low")
    ]
    if published is not None and "published_pct_her2_low" in published:
        pub = published.set_index("alteration")["published_pct_her2_low"]
        for yi, alt in zip(y, t["alteration"], strict=True):
            if alt in pub.index and pd.notna(pub[alt]):
                ax.plot(pub[alt], yi + 0.28, marker="v", color="black", ms=5, ls="none")
        handles.append(Line2D([], [], marker="v", color="black", ls="none", label="published"))
    ext = t["extension"].astype(str).str.lower().eq("true").to_numpy()
    labels = [
        f"{a}{'*' if e else ''} ({n_low}/{n})"
        for a, e, n_low, n in zip(
            t["alteration"], ext, t["n_her2_low"], t["n_evaluable"], strict=True
        )
    ]
    if ext.any():
        ax.text(
            0,
            -0.08,
            "* extension: discussed, not tabulated, in the publication",
            transform=ax.transAxes,
            fontsize=7,
        )
    ax.set_yticks(y, labels)
    ax.set_xlabel("HER2-low among altered, evaluable tumours (%), Wilson 95% CI", labelpad=14)
    ax.set_xlim(0, 100)
    handles += [Patch(color=c, label=m) for m, c in colors.items() if m in set(t["mechanism"])]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def forest_plot(table: pd.DataFrame, title: str) -> Figure:
    """Odds ratio (HER2-low vs HER2-0, altered vs unaltered), exact 95% CI, BH q beside each row."""
    setup()
    t = _computed(table)
    t = t[np.isfinite(t["odds_ratio"].astype(float)) & (t["odds_ratio"] > 0)].reset_index(drop=True)
    fig, ax = _row_figure(len(t))
    if t.empty:
        return _empty(fig, ax, "no finite odds ratio under this rule set", title)
    colors = mechanism_colors(t["mechanism"].tolist())
    y = np.arange(len(t))[::-1]
    lo = t["or_ci_low"].clip(lower=1e-2).to_numpy()
    hi = t["or_ci_high"].replace(np.inf, 1e2).clip(upper=1e2).to_numpy()
    for yi, row, left, right in zip(y, t.itertuples(), lo, hi, strict=True):
        c = colors[row.mechanism]
        ax.plot([left, right], [yi, yi], color=c, lw=1.4)
        ax.plot(row.odds_ratio, yi, "s", color=c, ms=5)
        if pd.notna(row.mh_odds_ratio) and row.mh_odds_ratio > 0:
            ax.plot(row.mh_odds_ratio, yi - 0.25, "d", color="black", ms=3.5)
    ax.axvline(1, color="#555555", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(y, t["alteration"])
    ax.set_xlabel("odds ratio, HER2-low vs HER2-0 (altered vs unaltered), exact 95% CI")
    for yi, q in zip(y, t["bh_q"], strict=True):
        ax.text(
            1.02,
            yi,
            f"q={q:.2g}" if pd.notna(q) else "",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=7,
        )
    handles = [
        Line2D([], [], marker="s", color="#333333", ls="-", label="crude OR (exact CI)"),
        Line2D(
            [],
            [],
            marker="d",
            color="black",
            ls="none",
            ms=3.5,
            label="Mantel-Haenszel OR, by HR status",
        ),
    ] + [Patch(color=c, label=m) for m, c in colors.items() if m in set(t["mechanism"])]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncols=3, frameon=False
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


#: most sample columns an oncoprint draws; above it an evenly spaced subset of the sorted columns
ONCOPRINT_MAX_COLUMNS = 5000


def oncoprint(
    matrix: pd.DataFrame, categories: pd.Series, alterations: list[str], title: str
) -> Figure:
    """Alterations (rows) x samples (columns), samples sorted by HER2 category then by alterations.

    Above :data:`ONCOPRINT_MAX_COLUMNS` samples (a GENIE-size cohort), every k-th column of the
    sorted order is drawn, which keeps each category's and pattern's share of the width; the title
    says so, and the row counts are over all samples.
    """
    setup()
    m = matrix.set_index("sample_id")[alterations]
    cats = categories.reindex(m.index).fillna("unknown")
    order_key = pd.DataFrame(
        {"cat": pd.Categorical(cats, list(CATEGORIES), ordered=True)}, index=m.index
    )
    alt01 = m.fillna(0).astype(int)
    weights = 2.0 ** np.arange(len(alterations))[::-1]
    order_key["score"] = -(alt01.to_numpy() * weights).sum(axis=1)
    order = order_key.sort_values(["cat", "score"]).index
    shown = f"{len(order)} samples"
    if len(order) > ONCOPRINT_MAX_COLUMNS:
        pick = np.linspace(0, len(order) - 1, ONCOPRINT_MAX_COLUMNS).round().astype(int)
        step = len(order) / ONCOPRINT_MAX_COLUMNS
        order = order[pick]
        shown += f"; every {step:.3g}th sorted sample drawn ({ONCOPRINT_MAX_COLUMNS} columns)"
    data = m.loc[order].T.astype("Float64")
    codes = data.fillna(-1).astype(float).to_numpy()  # -1 not profiled, 0 no, 1 altered
    fig = plt.figure(figsize=(9, 0.22 * len(alterations) + 1.9))
    grid = fig.add_gridspec(2, 1, height_ratios=[0.6, max(len(alterations), 1) * 0.5], hspace=0.05)
    top = fig.add_subplot(grid[0])
    cat_codes = pd.Categorical(cats.loc[order], list(CATEGORIES)).codes[None, :]
    top.imshow(
        cat_codes,
        aspect="auto",
        cmap=ListedColormap([HER2_PALETTE[c] for c in CATEGORIES]),
        vmin=0,
        vmax=3,
        interpolation="nearest",
    )
    top.set_yticks([0], ["HER2"])
    top.set_xticks([])
    top.set_title(f"{title} ({shown})")
    ax = fig.add_subplot(grid[1])
    ax.imshow(
        codes,
        aspect="auto",
        cmap=ListedColormap(["#FFFFFF", "#EEEEEE", "#2F4F4F"]),
        vmin=-1,
        vmax=1,
        interpolation="nearest",
    )
    ax.set_yticks(
        range(len(alterations)),
        [f"{a} ({int((m[a] == 1).sum())})" for a in alterations],
        fontsize=7,
    )
    ax.set_xticks([])
    ax.set_xlabel("samples, sorted by HER2 category, then by alteration")
    handles = [Patch(color=HER2_PALETTE[c], label=c) for c in CATEGORIES] + [
        Patch(color="#2F4F4F", label="altered"),
        Patch(facecolor="#EEEEEE", label="not altered"),
        Patch(facecolor="#FFFFFF", edgecolor="#999999", label="not profiled"),
    ]
    fig.legend(
        handles=handles, loc="lower center", ncols=7, frameon=False, bbox_to_anchor=(0.5, 0.0)
    )
    fig.subplots_adjust(bottom=0.12, left=0.18)
    return fig
