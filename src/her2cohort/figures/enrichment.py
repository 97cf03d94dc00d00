"""Enrichment figures: share HER2-low per alteration, the odds-ratio forest, the oncoprint.

The share plot and the forest draw one rule set's enrichment table
(:func:`her2cohort.enrichment.enrichment_table`); the oncoprint draws the alteration matrix, its
calls (the event type of every altered cell) and the per-sample HER2 category and HR status.
All three are drawn at the report's width (:data:`~her2cohort.figures.style.REPORT_WIDTH_IN`)
with no text under :data:`FONT` pt, so the report shows them at the size they are drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from her2cohort.figures.layout import (
    EXTENSION_NOTE,
    FONT,
    NOTE_LINE,
    PAD,
    alteration_label,
    format_or,
    format_p,
    is_true,
    n_lines,
    put_notes,
    put_title,
    wrap_lines,
)
from her2cohort.figures.style import (
    REPORT_WIDTH_IN,
    mechanism_colors,
    message_figure,
    plt,
    setup,
    text_width,
    wrap,
)

#: the heterogeneity flag of a forest row (Breslow-Day p below :data:`HETEROGENEITY_ALPHA`)
HETEROGENEITY_MARK = "†"
HETEROGENEITY_ALPHA = 0.05


def _empty(message: str, title: str, table: pd.DataFrame) -> Figure:
    """Say in the figure why there is nothing to draw (a cohort or rule set without estimates):
    the enrichment table's most frequent status."""
    status = table["status"].dropna().astype(str) if "status" in table else pd.Series([])
    detail = "(the enrichment table's status column says why, row by row)"
    if len(status):
        why = status.str.split(";").str[0].value_counts().index[0]
        detail = f"{why} {detail}"
    _, ax = plt.subplots(figsize=(REPORT_WIDTH_IN, 2.6))
    fig = message_figure(
        wrap_lines(title, REPORT_WIDTH_IN - 0.2, FONT + 1),
        wrap(message, REPORT_WIDTH_IN - 0.4, FONT + 1),
        wrap(detail, REPORT_WIDTH_IN - 0.4, FONT),
        ax,
    )
    for text in ax.texts:
        text.set_fontsize(max(FONT, text.get_fontsize()))
    ax.title.set_fontsize(FONT + 1)
    return fig


def _computed(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["pct_her2_low"].notna()].reset_index(drop=True)


def share_plot(table: pd.DataFrame, published: pd.DataFrame | None, title: str) -> Figure:
    """% HER2-low with Wilson 95% CI per alteration, coloured by mechanism, each row beside its
    comparator: the same share among that alteration's unaltered, profiled tumours (dashed, one
    per row: the unaltered tumours differ between rows). Published values marked.

    Both shares are of tumours with a known HER2 category: HER2-positive tumours are in the
    denominator (as in the published table); the forest's odds ratio excludes them.
    """
    setup()
    t = _computed(table)
    if t.empty:
        return _empty("no alteration could be computed under this rule set", title, table)
    n = len(t)
    colors = mechanism_colors(t["mechanism"].tolist())
    ext = is_true(t["extension"])
    labels = [
        f"{alteration_label(a)}{'*' if e else ''} ({n_low}/{n_ev})"
        for a, e, n_low, n_ev in zip(
            t["alteration"], ext, t["n_her2_low"], t["n_evaluable"], strict=True
        )
    ]
    width = REPORT_WIDTH_IN
    label_w = max(text_width(lab) for lab in labels) + 0.15
    plot_w = width - 2 * PAD - label_w - 0.15
    title_text = wrap_lines(title, width - 2 * PAD, FONT + 1)
    notes = [EXTENSION_NOTE] if ext.any() else []
    notes.append(
        "Label: HER2-low / n, n = altered tumours with a known HER2 category (HER2-0, HER2-low "
        "or HER2-positive): HER2-positive tumours are in the denominator of both shares."
    )
    notes = [wrap(s, width - 2 * PAD, FONT) for s in notes]
    note_h = NOTE_LINE * sum(n_lines(s) for s in notes)
    row_h = 0.3
    base_label = wrap(
        "same share among the alteration's unaltered tumours (the comparator of its test)",
        width - 2 * PAD - 0.5,
        FONT,
    )
    mech = [m for m in colors if m in set(t["mechanism"])]
    legend_h = 0.2 * (n_lines(base_label) + 1 + (len(mech) + 2) // 3) + 0.15
    top = 0.2 + 0.2 * n_lines(title_text)
    bottom = 0.55 + legend_h + note_h
    height = top + bottom + row_h * max(n, 2)
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    ax = fig.add_axes((x0, bottom / height, plot_w / width, row_h * max(n, 2) / height))
    put_title(fig, title_text, width, height)
    y = np.arange(n)[::-1]
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
            zorder=3,
        )
    base = pd.to_numeric(t["pct_her2_low_unaltered"], errors="coerce").to_numpy(float)
    ok = np.isfinite(base)
    dash = (0, (2.5, 1.5))
    ax.vlines(base[ok], y[ok] - 0.42, y[ok] + 0.42, color="#444444", ls=dash, lw=1.1, zorder=2,
              gid="baseline")  # fmt: skip
    handles: list[Artist] = [Line2D([], [], color="#444444", ls=dash, lw=1.1, label=base_label)]
    if published is not None and "published_pct_her2_low" in published:
        pub = published.set_index("alteration")["published_pct_her2_low"]
        marked = [
            (pub[alt], yi)
            for yi, alt in zip(y, t["alteration"], strict=True)
            if alt in pub.index and pd.notna(pub[alt])
        ]
        for x_pub, yi in marked:
            ax.plot(x_pub, yi + 0.3, marker="v", color="black", ms=5, ls="none")
        if marked:
            handles.append(Line2D([], [], marker="v", color="black", ls="none", label="published"))
    ax.set_yticks(y, labels, fontsize=FONT)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=FONT)
    ax.set_ylim(-0.6, max(n, 2) - 0.4)
    ax.set_xlim(-1.5, 101.5)  # a share of 0% or 100% stays whole
    ax.set_xticks(range(0, 101, 20))
    ax.grid(axis="x", color="#EEEEEE", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel("HER2-low among altered tumours, % (Wilson 95% CI)", fontsize=FONT)
    patches: list[Artist] = [Patch(color=colors[m], label=m) for m in mech]
    y_leg = bottom - 0.5
    for group, ncols in ((handles, 1), (patches, 3)):
        if not group:
            continue
        fig.legend(handles=group, loc="upper left", bbox_to_anchor=(PAD / width, y_leg / height),
                   ncols=ncols, frameon=False, fontsize=FONT)  # fmt: skip
        y_leg -= 0.2 * (n_lines(base_label) + len(handles) - 1) + 0.08
    put_notes(fig, notes, width, height)
    return fig


def _or_ticks(lo: float, hi: float) -> list[float]:
    nice = [0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    ticks = [v for v in nice if lo <= v <= hi]
    if len(ticks) > 7 and 1.0 in ticks:  # a narrow axis: every other tick, keeping 1
        k = ticks.index(1.0)
        ticks = [v for j, v in enumerate(ticks) if (j - k) % 2 == 0]
    return ticks


#: how far the forest's axis reaches; a CI beyond it ends in an arrow
OR_AXIS_LIMITS = (1 / 32, 32.0)


def forest_plot(table: pd.DataFrame, title: str) -> Figure:
    """Odds ratio of HER2-low vs HER2-0 (HER2-positive excluded), altered vs unaltered, per
    alteration: the crude OR with its exact 95% CI (square, upper line) and the Mantel-Haenszel
    OR stratified by HR status with its 95% CI (diamond, lower line), on a log axis with
    plain-number ticks. Beside each row: altered HER2-low / n, both estimates as text, the BH q,
    and :data:`HETEROGENEITY_MARK` where the Breslow-Day test finds the odds ratio differs
    between HR strata (p < :data:`HETEROGENEITY_ALPHA`; a footnote lists them)."""
    setup()
    t = _computed(table)
    odds = pd.to_numeric(t["odds_ratio"], errors="coerce")
    dropped = [alteration_label(a) for a in t.loc[odds.isna(), "alteration"]]
    t = t[odds.notna()].reset_index(drop=True)
    if t.empty:
        return _empty("no odds ratio could be estimated under this rule set", title, table)
    n = len(t)
    cols_num = ("odds_ratio", "or_ci_low", "or_ci_high", "mh_odds_ratio", "mh_ci_low",
                "mh_ci_high", "breslow_day_p", "bh_q", "n_her2_low", "n_her2_0")  # fmt: skip
    num = {c: pd.to_numeric(t[c], errors="coerce").to_numpy(float) for c in cols_num}
    colors = mechanism_colors(t["mechanism"].tolist())
    ext = is_true(t["extension"])
    hetero = num["breslow_day_p"] < HETEROGENEITY_ALPHA
    labels = [
        f"{alteration_label(a)}{'*' if e else ''}"
        for a, e in zip(t["alteration"], ext, strict=True)
    ]

    # the text of every row: counts, crude OR, MH OR (+ flag), q
    texts = []
    for i in range(n):
        n_low, n_zero = num["n_her2_low"][i], num["n_her2_0"][i]
        crude = format_or(num["odds_ratio"][i], num["or_ci_low"][i], num["or_ci_high"][i])
        mh = num["mh_odds_ratio"][i]
        mh_text = (
            format_or(mh, num["mh_ci_low"][i], num["mh_ci_high"][i])
            if np.isfinite(mh)
            else "not estimable"
        )
        if hetero[i]:
            mh_text += f" {HETEROGENEITY_MARK}"
        texts.append(
            (f"{n_low:.0f}/{n_low + n_zero:.0f}", crude, mh_text, format_p(num["bh_q"][i]))
        )
    heads = ("HER2-low\n/ n", "OR (95% CI)", "q")
    col_w = [
        max(text_width(heads[0], FONT, "bold"), *(text_width(r[0]) for r in texts)) + 0.12,
        max(text_width(heads[1], FONT, "bold"), *(text_width(r[k]) for r in texts for k in (1, 2)))
        + 0.12,
        max(text_width(heads[2], FONT, "bold"), *(text_width(r[3]) for r in texts)) + 0.05,
    ]
    width = REPORT_WIDTH_IN
    label_w = max(text_width(lab) for lab in labels) + 0.12
    plot_w = width - 2 * PAD - label_w - sum(col_w) - 0.1

    finite = [
        v
        for c in ("or_ci_low", "or_ci_high", "mh_ci_low", "mh_ci_high")
        for v in num[c]
        if np.isfinite(v) and v > 0
    ]
    xmin = max(OR_AXIS_LIMITS[0], min([0.5, *finite]) / 1.15)
    xmax = min(OR_AXIS_LIMITS[1], max([2.0, *finite]) * 1.15)

    notes = []
    if ext.any():
        notes.append(EXTENSION_NOTE)
    if hetero.any():
        flagged = ", ".join(
            f"{alteration_label(a)} p = {format_p(p)}"
            for a, p in zip(t["alteration"][hetero], num["breslow_day_p"][hetero], strict=True)
        )
        notes.append(
            f"{HETEROGENEITY_MARK} The odds ratio differs between HR-positive and HR-negative "
            f"tumours (Breslow-Day p < {HETEROGENEITY_ALPHA:g}): {flagged}."
        )
    notes.append(
        "n: altered tumours that are HER2-0 or HER2-low (HER2-positive excluded, as in the odds "
        "ratio). q: Benjamini-Hochberg adjusted Fisher p. OR > 1: the alteration goes with "
        "HER2-low."
    )
    if dropped:
        notes.append(f"No odds ratio (an empty margin): {', '.join(dropped)}.")
    notes = [wrap(s, width - 2 * PAD, FONT) for s in notes]
    note_h = NOTE_LINE * sum(n_lines(s) for s in notes)
    mech = [m for m in colors if m in set(t["mechanism"])]
    legend_h = 0.2 * (2 + (len(mech) + 2) // 3) + 0.15
    title_text = wrap_lines(title, width - 2 * PAD, FONT + 1)
    row_h = 0.36
    top = 0.2 + 0.2 * n_lines(title_text) + 0.4
    bottom = 0.55 + legend_h + note_h
    height = top + bottom + row_h * n
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    ax = fig.add_axes((x0, bottom / height, plot_w / width, row_h * n / height))
    put_title(fig, title_text, width, height)
    col_x = [x0 + (plot_w + 0.1 + sum(col_w[:k])) / width for k in range(3)]
    rows = blended_transform_factory(fig.transFigure, ax.transData)
    head = blended_transform_factory(fig.transFigure, ax.transAxes)
    for h, cx in zip(heads, col_x, strict=True):
        ax.text(cx, 1.0 + 0.06 / (row_h * n), h, transform=head, ha="left", va="bottom",
                fontsize=FONT, fontweight="bold")  # fmt: skip

    def segment(lo: float, hi: float, yy: float, **kw: Any) -> None:
        a, b = max(lo, xmin), min(hi, xmax) if np.isfinite(hi) else xmax
        ax.plot([a, b], [yy, yy], **kw)
        if lo < xmin:
            ax.plot([xmin], [yy], marker="<", ms=4, color=kw["color"], clip_on=False)
        if not hi <= xmax:
            ax.plot([xmax], [yy], marker=">", ms=4, color=kw["color"], clip_on=False)

    up, down = 0.16, -0.16
    y = np.arange(n)[::-1].astype(float)
    for i, (yi, row) in enumerate(zip(y, t.itertuples(), strict=True)):
        c = colors[row.mechanism]
        o, lo, hi = num["odds_ratio"][i], num["or_ci_low"][i], num["or_ci_high"][i]
        segment(lo, hi, yi + up, color=c, lw=1.5)
        if 0 < o < np.inf:
            ax.plot([o], [yi + up], "s", color=c, ms=5.5, zorder=3)
        mo, mlo, mhi = num["mh_odds_ratio"][i], num["mh_ci_low"][i], num["mh_ci_high"][i]
        if np.isfinite(mo) and mo > 0:
            segment(mlo, mhi, yi + down, color="black", lw=0.9)
            ax.plot([mo], [yi + down], "d", color="black", ms=4.5, zorder=3)
        counts, crude, mh_text, q = texts[i]
        for cx, yy, s, gid in (
            (col_x[0], yi, counts, None),
            (col_x[1], yi + up, crude, None),
            (col_x[1], yi + down, mh_text, "heterogeneity" if hetero[i] else None),
            (col_x[2], yi, q, None),
        ):
            ax.text(cx, yy, s, transform=rows, va="center", ha="left", fontsize=FONT, gid=gid)
    ax.axvline(1, color="#555555", lw=0.8, ls="--", zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(xmin, xmax)
    ax.xaxis.set_major_locator(FixedLocator(_or_ticks(xmin, xmax)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", labelsize=FONT)
    ax.set_yticks(y, labels, fontsize=FONT)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_ylim(-0.55, n - 0.45)
    ax.set_xlabel("odds ratio, HER2-low vs HER2-0 (log scale)", fontsize=FONT)
    estimates: list[Artist] = [
        Line2D([], [], marker="s", color="#333333", lw=1.5,
               label="crude OR, exact 95% CI (upper line of a row)"),
        Line2D([], [], marker="d", color="black", lw=0.9, ms=4.5,
               label="Mantel-Haenszel OR stratified by HR status, 95% CI (lower line)"),
    ]  # fmt: skip
    patches: list[Artist] = [Patch(color=colors[m], label=m) for m in mech]
    y_leg = bottom - 0.5
    for group, ncols in ((estimates, 1), (patches, 3)):
        fig.legend(handles=group, loc="upper left", bbox_to_anchor=(PAD / width, y_leg / height),
                   ncols=ncols, frameon=False, fontsize=FONT)  # fmt: skip
        y_leg -= 0.4
    put_notes(fig, notes, width, height)
    return fig
