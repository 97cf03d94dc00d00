"""The oncoprint: configured alterations (rows) x samples (columns), cBioPortal style, with HER2
category and HR-status tracks; drawn at the report's width with no text under
:data:`~her2cohort.figures.layout.FONT` pt."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from her2cohort.figures.layout import (
    EXTENSION_NOTE,
    FONT,
    NOTE_LINE,
    PAD,
    alteration_label,
    n_lines,
    put_notes,
    put_title,
    wrap_lines,
)
from her2cohort.figures.style import (
    HER2_PALETTE,
    REPORT_WIDTH_IN,
    plt,
    setup,
    text_width,
    wrap,
)
from her2cohort.terms import CATEGORIES

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
    note_h = NOTE_LINE * sum(n_lines(s) for s in notes)

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

    title_text = wrap_lines(title, width - 2 * PAD, FONT + 1)
    row_h, track_h = 0.22, 0.19
    n_rows = max(len(rows), 1)
    top = 0.2 + 0.2 * n_lines(title_text) + 0.25
    x_h = 0.2 + 0.17 * n_lines(xlabel)
    bottom = x_h + legend_h + note_h + 0.1
    height = top + 2 * track_h + 0.08 + row_h * n_rows + bottom
    fig = plt.figure(figsize=(width, height))
    x0 = (PAD + label_w) / width
    y_mat = bottom / height
    ax = fig.add_axes((x0, y_mat, mat_w / width, row_h * n_rows / height))
    y_hr = y_mat + (row_h * n_rows + 0.08) / height
    ax_hr = fig.add_axes((x0, y_hr, mat_w / width, (track_h - 0.04) / height))
    ax_her2 = fig.add_axes((x0, y_hr + track_h / height, mat_w / width, (track_h - 0.04) / height))
    put_title(fig, title_text, width, height)
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
    put_notes(fig, notes, width, height)
    return fig
