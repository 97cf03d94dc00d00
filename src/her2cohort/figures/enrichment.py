"""Enrichment figures: share HER2-low per alteration, the odds-ratio forest, the oncoprint.

The share plot and the forest draw one rule set's enrichment table
(:func:`her2cohort.enrichment.enrichment_table`); the oncoprint draws the alteration matrix, its
calls (the event type of every altered cell) and the per-sample HER2 category and HR status.
All three are drawn at the report's width (:data:`~her2cohort.figures.style.REPORT_WIDTH_IN`)
with no text under :data:`FONT` pt, so the report shows them at the size they are drawn.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from her2cohort.figures.style import (
    HER2_PALETTE,
    REPORT_WIDTH_IN,
    mechanism_colors,
    message_figure,
    plt,
    setup,
    text_width,
    wrap,
)
from her2cohort.terms import CATEGORIES

FONT = 9  # pt: the smallest text (the figures are drawn at the report's width)
PAD = 0.1  # inches: the figure's left and right margin
NOTE_LINE = 0.17  # inches per line of a footnote
#: the heterogeneity flag of a forest row (Breslow-Day p below :data:`HETEROGENEITY_ALPHA`)
HETEROGENEITY_MARK = "†"
HETEROGENEITY_ALPHA = 0.05
EXTENSION_NOTE = "* extension: discussed, not tabulated, in the publication"


def alteration_label(alteration: str) -> str:
    """An alteration id as a reader sees it: ``FGFR1_2_alt`` -> ``FGFR1/2 alt``."""
    stem, _, kind = alteration.rpartition("_")
    return f"{stem.replace('_', '/')} {kind}" if stem else alteration


def _is_true(values: pd.Series) -> np.ndarray:
    return np.asarray(values.astype(str).str.lower().isin(["true", "1"]), dtype=bool)


def _wrap_lines(text: str, width_in: float, size: float = FONT) -> str:
    """:func:`~her2cohort.figures.style.wrap`, keeping the line breaks ``text`` has."""
    return "\n".join(wrap(line, width_in, size) for line in text.split("\n"))


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _title(fig: Figure, text: str, width: float, height: float) -> None:
    fig.text(PAD / width, 1 - 0.1 / height, text, ha="left", va="top", fontsize=FONT + 1)


def _notes(fig: Figure, notes: Sequence[str], width: float, height: float) -> None:
    """Footnotes (already wrapped) from the bottom of the figure up."""
    y = 0.06
    for note in reversed(notes):
        fig.text(PAD / width, y / height, note, fontsize=FONT, color="#333333", va="bottom")
        y += NOTE_LINE * _lines(note)


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
        _wrap_lines(title, REPORT_WIDTH_IN - 0.2, FONT + 1),
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
    ext = _is_true(t["extension"])
    labels = [
        f"{alteration_label(a)}{'*' if e else ''} ({n_low}/{n_ev})"
        for a, e, n_low, n_ev in zip(
            t["alteration"], ext, t["n_her2_low"], t["n_evaluable"], strict=True
        )
    ]
    width = REPORT_WIDTH_IN
    label_w = max(text_width(lab) for lab in labels) + 0.15
    plot_w = width - 2 * PAD - label_w - 0.15
    title_text = _wrap_lines(title, width - 2 * PAD, FONT + 1)
    notes = [EXTENSION_NOTE] if ext.any() else []
    notes.append(
        "Label: HER2-low / n, n = altered tumours with a known HER2 category (HER2-0, HER2-low "
        "or HER2-positive): HER2-positive tumours are in the denominator of both shares."
    )
    notes = [wrap(s, width - 2 * PAD, FONT) for s in notes]
    note_h = NOTE_LINE * sum(_lines(s) for s in notes)
    row_h = 0.3
    base_label = wrap(
        "same share among the alteration's unaltered tumours (the comparator of its test)",
        width - 2 * PAD - 0.5,
        FONT,
    )
    mech = [m for m in colors if m in set(t["mechanism"])]
    legend_h = 0.2 * (_lines(base_label) + 1 + (len(mech) + 2) // 3) + 0.15
    top = 0.2 + 0.2 * _lines(title_text)
    bottom = 0.55 + legend_h + note_h
    height = top + bottom + row_h * max(n, 2)
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    ax = fig.add_axes((x0, bottom / height, plot_w / width, row_h * max(n, 2) / height))
    _title(fig, title_text, width, height)
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
        y_leg -= 0.2 * (_lines(base_label) + len(handles) - 1) + 0.08
    _notes(fig, notes, width, height)
    return fig


def _fmt_q(q: float) -> str:
    """A p or q value: ``<0.001``, ``0.026``, ``0.27``."""
    if not np.isfinite(q):
        return ""
    if q < 0.001:
        return "<0.001"
    return f"{q:.3f}" if q < 0.1 else f"{q:.2f}"


def _fmt_or(v: float) -> str:
    if np.isnan(v):
        return "NA"
    if np.isinf(v):
        return "∞"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def format_or(est: float, lo: float, hi: float) -> str:
    """``1.52 (1.10-2.10)``; an infinite bound is ``∞``."""
    return f"{_fmt_or(est)} ({_fmt_or(lo)}-{_fmt_or(hi)})"


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
    ext = _is_true(t["extension"])
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
        texts.append((f"{n_low:.0f}/{n_low + n_zero:.0f}", crude, mh_text, _fmt_q(num["bh_q"][i])))
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
            f"{alteration_label(a)} p = {_fmt_q(p)}"
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
    note_h = NOTE_LINE * sum(_lines(s) for s in notes)
    mech = [m for m in colors if m in set(t["mechanism"])]
    legend_h = 0.2 * (2 + (len(mech) + 2) // 3) + 0.15
    title_text = _wrap_lines(title, width - 2 * PAD, FONT + 1)
    row_h = 0.36
    top = 0.2 + 0.2 * _lines(title_text) + 0.4
    bottom = 0.55 + legend_h + note_h
    height = top + bottom + row_h * n
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    ax = fig.add_axes((x0, bottom / height, plot_w / width, row_h * n / height))
    _title(fig, title_text, width, height)
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
    _notes(fig, notes, width, height)
    return fig


#: most sample columns an oncoprint draws; above it an evenly spaced subset of the sorted columns
ONCOPRINT_MAX_COLUMNS = 5000
#: alteration types (alterations/calls.tsv ``event``) as bits of a cell, and their colours
#: (cBioPortal's: amplification red, deep deletion blue, mutation green, fusion purple)
EVENT_BITS = {"mutation": 1, "amplification": 2, "deep_deletion": 4, "fusion": 8}
EVENT_COLORS = {
    "amplification": "#FF0000",
    "deep_deletion": "#0000FF",
    "fusion": "#8B00C9",
    "mutation": "#008000",
}
EVENT_LABELS = {
    "mutation": "mutation (inner bar)",
    "amplification": "amplification",
    "deep_deletion": "deep deletion",
    "fusion": "fusion (wide inner bar)",
}
UNALTERED_COLOR = "#BEBEBE"  # cBioPortal's cell background
NOT_PROFILED_COLOR = "#F0F0F0"
ALTERED_OTHER_COLOR = "#2F4F4F"  # altered in the matrix without a call (no calls table given)
HR_PALETTE = {"positive": "#542788", "negative": "#C2A5CF", "unknown": HER2_PALETTE["unknown"]}
#: a cell's sort weight: amplification 8, deep deletion 4, fusion 2, mutation 1, summed
_SORT_WEIGHT = np.array(
    [
        8 * bool(b & EVENT_BITS["amplification"])
        + 4 * bool(b & EVENT_BITS["deep_deletion"])
        + 2 * bool(b & EVENT_BITS["fusion"])
        + bool(b & EVENT_BITS["mutation"])
        for b in range(16)
    ],
    dtype=np.int8,
)
#: image rows per alteration row: a white gap, then the cell; inner bars span a fraction of it
_SUB = 12
_FUSION_ROWS = slice(3, 10)
_MUTATION_ROWS = slice(5, 8)


def _pct_text(pct: float) -> str:
    if not np.isfinite(pct):
        return ""
    if pct == 0 or pct >= 10:
        return f"{pct:.0f}%"
    return f"{pct:.1f}%" if pct >= 0.1 else "<0.1%"


def _cell_image(bits: np.ndarray, altered: np.ndarray, profiled: np.ndarray) -> np.ndarray:
    """RGB image, :data:`_SUB` pixel rows per alteration: amplification / deep deletion fill the
    cell (both: split), fusion and mutation as inner bars (cBioPortal's glyphs), vectorised."""
    rows, cols = bits.shape

    def rgb(color: str) -> np.ndarray:
        return (np.array(to_rgb(color)) * 255).round().astype(np.uint8)

    img = np.empty((rows, cols, _SUB, 3), dtype=np.uint8)  # transposed to rows x sub x cols below
    img[:] = rgb(NOT_PROFILED_COLOR)
    img[profiled] = rgb(UNALTERED_COLOR)
    img[altered & (bits == 0)] = rgb(ALTERED_OTHER_COLOR)
    amp = (bits & EVENT_BITS["amplification"]) > 0
    dele = (bits & EVENT_BITS["deep_deletion"]) > 0
    img[amp] = rgb(EVENT_COLORS["amplification"])
    img[dele & ~amp] = rgb(EVENT_COLORS["deep_deletion"])
    img[amp & dele, (_SUB + 1) // 2 :] = rgb(EVENT_COLORS["deep_deletion"])
    img[(bits & EVENT_BITS["fusion"]) > 0, _FUSION_ROWS] = rgb(EVENT_COLORS["fusion"])
    img[(bits & EVENT_BITS["mutation"]) > 0, _MUTATION_ROWS] = rgb(EVENT_COLORS["mutation"])
    img[:, :, 0] = 255  # the gap between rows
    return img.transpose(0, 2, 1, 3).reshape(rows * _SUB, cols, 3)


def _track(ax: Axes, codes: np.ndarray, palette: list[str], label: str, ncol: int) -> None:
    ax.imshow(
        codes[None, :],
        aspect="auto",
        cmap=ListedColormap(palette),
        vmin=0,
        vmax=len(palette) - 1,
        interpolation="nearest",
        extent=(0, max(ncol, 1), 1, 0),
    )
    ax.set_yticks([0.5], [label], fontsize=FONT)
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    for s in ax.spines.values():
        s.set_visible(False)


def oncoprint(
    matrix: pd.DataFrame,
    categories: pd.Series,
    alterations: list[str],
    title: str,
    calls: pd.DataFrame | None = None,
    hr_status: pd.Series | None = None,
    extensions: Collection[str] = (),
) -> Figure:
    """Alterations (rows) x samples (columns), cBioPortal style.

    Cells are coloured by alteration type from ``calls`` (``sample_id``, ``event``,
    ``alteration``; :data:`EVENT_COLORS`): amplification and deep deletion fill the cell, fusion
    and mutation are inner bars, so a cell with several types shows each. Unaltered cells are
    grey, cells of a gene not profiled in the sample light grey. Every row of ``alterations``
    with at least one profiled sample is drawn (the others are named in a note), with its
    % altered among profiled samples on the right. Tracks on top: HER2 category and HR status
    (``hr_status``, indexed by sample_id). Samples are grouped by HER2 category and, within a
    category, memo-sorted as cBioPortal does: altered in the first row first, then the second...

    Above :data:`ONCOPRINT_MAX_COLUMNS` samples (a GENIE-size cohort), every k-th column of the
    sorted order is drawn, which keeps each category's and pattern's share of the width. When
    more columns remain than the image has pixels, neighbouring sorted columns share a pixel,
    which shows every type altered in any of them (no rare event falls between pixels). The
    axis label says both; the percentages are over all samples. Everything is vectorised.
    """
    setup()
    m = matrix.set_index("sample_id")[list(alterations)]
    vals = m.to_numpy(dtype="float32", na_value=np.nan)
    profiled_all = ~np.isnan(vals)
    keep = profiled_all.any(axis=0)
    rows = [a for a, k in zip(alterations, keep, strict=True) if k]
    omitted = [alteration_label(a) for a, k in zip(alterations, keep, strict=True) if not k]
    vals, profiled = vals[:, keep], profiled_all[:, keep]
    altered = vals == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100 * altered.sum(axis=0) / profiled.sum(axis=0)
    bits = np.zeros(vals.shape, dtype=np.uint8)
    if calls is not None and len(calls) and rows:
        ci = m.index.get_indexer(calls["sample_id"].astype(str))
        ri = pd.Index(rows).get_indexer(calls["alteration"].astype(str))
        eb = calls["event"].map(EVENT_BITS).fillna(0).to_numpy(dtype=np.uint8)
        ok = (ci >= 0) & (ri >= 0) & (eb > 0)
        np.bitwise_or.at(bits, (ci[ok], ri[ok]), eb[ok])
        bits[~altered] = 0
    cats = categories.reindex(m.index).astype("string").fillna("unknown")
    cat_codes = pd.Categorical(cats, list(CATEGORIES)).codes.astype(np.int64)
    cat_codes[cat_codes < 0] = len(CATEGORIES) - 1
    hr_levels = list(HR_PALETTE)
    hr = (
        hr_status.reindex(m.index).astype("string").fillna("unknown")
        if hr_status is not None
        else pd.Series("unknown", index=m.index, dtype="string")
    )
    hr_codes = pd.Categorical(hr, hr_levels).codes.astype(np.int64)
    hr_codes[hr_codes < 0] = len(hr_levels) - 1
    # memo sort: per row in order, altered (amplification, deep deletion, fusion, mutation
    # first, by :data:`_SORT_WEIGHT`) before unaltered before not
    # profiled; one int8 key per row keeps a 200,000-sample sort small
    key = np.where(altered, 15 - _SORT_WEIGHT[bits], np.where(profiled, 16, 17)).astype(np.int8)
    keys = [cat_codes.astype(np.int8), *(key[:, j] for j in range(len(rows)))]
    order = np.lexsort(keys[::-1]) if len(m) else np.arange(0)
    shown = f"{len(order):,} samples"
    if len(order) > ONCOPRINT_MAX_COLUMNS:
        pick = np.linspace(0, len(order) - 1, ONCOPRINT_MAX_COLUMNS).round().astype(int)
        step = len(order) / ONCOPRINT_MAX_COLUMNS
        order = order[pick]
        shown += f"; every {step:.3g}th sorted sample drawn ({ONCOPRINT_MAX_COLUMNS:,} columns)"
    ncol = len(order)
    bits_o, altered_o, profiled_o = bits[order], altered[order], profiled[order]
    cats_o, hr_o = cat_codes[order], hr_codes[order]

    # layout, in inches: labels | matrix | % altered
    labels = [f"{alteration_label(a)}{'*' if a in extensions else ''}" for a in rows]
    track_labels = ("HER2 category", "HR status")
    label_w = max(text_width(s) for s in [*labels, *track_labels]) + 0.12
    right_w = text_width("% altered", FONT, "bold") + 0.1
    width = REPORT_WIDTH_IN
    mat_w = width - 2 * PAD - label_w - right_w
    # more columns than pixels: neighbouring (sorted) columns pooled into one pixel column that
    # shows every type altered in any of them, so no rare event falls between pixels
    dpi = plt.rcParams["savefig.dpi"]
    pixels = int(mat_w * (100.0 if dpi == "figure" else float(dpi)))
    pooled = ""
    if ncol > pixels > 0:
        first = np.unique(np.linspace(0, ncol, pixels + 1).astype(int)[:-1])
        bits_o = np.bitwise_or.reduceat(bits_o, first, axis=0)
        altered_o = np.logical_or.reduceat(altered_o, first, axis=0)
        profiled_o = np.logical_or.reduceat(profiled_o, first, axis=0)
        cats_o, hr_o = cats_o[first], hr_o[first]
        pooled = (
            f"; about {ncol / len(first):.2g} samples per pixel column, which shows any "
            "alteration among them"
        )
    xlabel = wrap(
        f"{shown}, grouped by HER2 category, then sorted by alteration (rows in order){pooled}",
        width - 2 * PAD,
        FONT,
    )
    notes = []
    if any(a in extensions for a in rows):
        notes.append(EXTENSION_NOTE)
    if omitted:
        notes.append(f"Not profiled in this study (no row): {', '.join(omitted)}.")
    notes = [wrap(s, width - 2 * PAD, FONT) for s in notes]
    note_h = NOTE_LINE * sum(_lines(s) for s in notes)

    present = int(np.bitwise_or.reduce(bits, axis=None)) if bits.size else 0
    cell: list[Artist] = [
        Patch(color=EVENT_COLORS[e], label=EVENT_LABELS[e])
        for e, b in EVENT_BITS.items()
        if present & b or calls is None
    ]
    if (altered & (bits == 0)).any():
        cell.append(Patch(color=ALTERED_OTHER_COLOR, label="altered (type not given)"))
    cell.append(Patch(color=UNALTERED_COLOR, label="profiled, not altered"))
    if not profiled.all():
        cell.append(Patch(facecolor=NOT_PROFILED_COLOR, edgecolor="#BBBBBB", label="not profiled"))
    groups: list[tuple[str, list[Artist]]] = [
        ("HER2 category", [Patch(color=HER2_PALETTE[c], label=c) for c in CATEGORIES]),
        ("HR status", [Patch(color=HR_PALETTE[h], label=h) for h in hr_levels]),
        ("cells", cell),
    ]
    legend_h = 0.2 * (1 + max(len(g) for _, g in groups)) + 0.1

    title_text = _wrap_lines(title, width - 2 * PAD, FONT + 1)
    row_h, track_h = 0.22, 0.19
    n_rows = max(len(rows), 1)
    top = 0.2 + 0.2 * _lines(title_text) + 0.25
    x_h = 0.2 + 0.17 * _lines(xlabel)
    bottom = x_h + legend_h + note_h + 0.1
    height = top + 2 * track_h + 0.08 + row_h * n_rows + bottom
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    y_mat = bottom / height
    ax = fig.add_axes((x0, y_mat, mat_w / width, row_h * n_rows / height))
    y_hr = y_mat + (row_h * n_rows + 0.08) / height
    ax_hr = fig.add_axes((x0, y_hr, mat_w / width, (track_h - 0.04) / height))
    ax_her2 = fig.add_axes((x0, y_hr + track_h / height, mat_w / width, (track_h - 0.04) / height))
    _title(fig, title_text, width, height)
    _track(ax_her2, cats_o, [HER2_PALETTE[c] for c in CATEGORIES], track_labels[0], ncol)
    _track(ax_hr, hr_o, [HR_PALETTE[h] for h in hr_levels], track_labels[1], ncol)
    # category blocks: their names above the HER2 track where they fit, white separators
    sorted_cats = cat_codes[order]
    bounds = np.flatnonzero(np.diff(sorted_cats)) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, ncol]
    total_cats = np.bincount(cat_codes, minlength=len(CATEGORIES))
    for s, e in zip(starts, ends, strict=True):
        c = CATEGORIES[sorted_cats[s]]
        text = f"{c} ({total_cats[sorted_cats[s]]:,})"
        if text_width(text) + 0.05 <= (e - s) / max(ncol, 1) * mat_w:
            ax_her2.text((s + e) / 2, -0.2, text, ha="center", va="bottom", fontsize=FONT)
    for b in bounds:
        for a in (ax, ax_hr, ax_her2):
            a.axvline(float(b), color="white", lw=1.2)
    if rows:
        img = _cell_image(bits_o.T, altered_o.T, profiled_o.T)
        ax.imshow(img, aspect="auto", interpolation="nearest",
                  extent=(0, ncol, len(rows), 0))  # fmt: skip
    ax.set_xlim(0, max(ncol, 1))
    ax.set_ylim(n_rows, 0)
    ax.set_yticks(np.arange(len(rows)) + 0.55, labels, fontsize=FONT)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)
    right = blended_transform_factory(fig.transFigure, ax.transData)
    x_pct = x0 + (mat_w + 0.08) / width
    ax.text(x_pct, -0.1, "% altered", transform=right, fontsize=FONT, fontweight="bold",
            va="bottom", ha="left")  # fmt: skip
    for j, p in enumerate(pct):
        ax.text(x_pct, j + 0.55, _pct_text(float(p)), transform=right, fontsize=FONT,
                va="center", ha="left", gid="pct_altered")  # fmt: skip
    fig.text(PAD / width, (bottom - 0.08) / height, xlabel, fontsize=FONT, va="top", ha="left")
    dx = PAD
    for name, handles in groups:
        leg = fig.legend(
            handles=handles,
            title=name,
            loc="upper left",
            bbox_to_anchor=(dx / width, (legend_h + note_h + 0.1) / height),
            ncols=1,
            frameon=False,
            fontsize=FONT,
            title_fontsize=FONT,
            alignment="left",
            borderaxespad=0.0,
            handlelength=1.5,
        )
        leg.get_title().set_fontweight("bold")
        dx += max(text_width(str(h.get_label())) for h in handles) + 0.75
    _notes(fig, notes, width, height)
    return fig
