"""HER2 figures: category composition per rule set, primary -> sequenced transitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from her2cohort.figures.style import (
    HER2_PALETTE,
    REPORT_WIDTH_IN,
    her2_rule_text,
    message_figure,
    plt,
    setup,
    wrap,
)
from her2cohort.harmonize.classify import NEGATIVE_UNRESOLVED_REASON
from her2cohort.harmonize.transitions import switching_summary
from her2cohort.terms import CATEGORIES, KNOWN_CATEGORIES

FONT = 9  # pt: the smallest text of the transitions figure (drawn at the report's width)


#: the composition's label of samples a clinical HER2-negative status leaves between HER2-0 and
#: HER2-low (no IHC score): not "unknown" HER2 status, only an unresolved HER2-0 / HER2-low split
NEGATIVE_UNRESOLVED = "HER2-negative (0 vs low not resolvable)"


def composition(scenarios: pd.DataFrame, title: str, unresolved: pd.Index | None = None) -> Figure:
    """Stacked bars: share of samples per HER2 category, for each rule set x 0-1+ assignment.

    ``unresolved``: sample ids whose 'unknown' category is a clinical HER2-negative status without
    an IHC score (METABRIC): drawn as :data:`NEGATIVE_UNRESOLVED`, not as unknown."""
    setup()
    seq = scenarios[scenarios["tissue"] == "sequenced"].copy()
    cats = list(CATEGORIES)
    if unresolved is not None and len(unresolved):
        neg = seq["sample_id"].isin(unresolved) & (seq["her2_category"] == "unknown")
        if neg.any():
            seq.loc[neg, "her2_category"] = NEGATIVE_UNRESOLVED
            cats.insert(cats.index("unknown"), NEGATIVE_UNRESOLVED)
    palette = {**HER2_PALETTE, NEGATIVE_UNRESOLVED: "#88CCEE"}
    counts = seq.groupby(["rule", "zero_one_plus", "her2_category"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=cats, fill_value=0)
    labels = [f"{r}\n0-1+ as {z}" for r, z in counts.index]
    share = counts.div(counts.sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(REPORT_WIDTH_IN, 4.4))
    bottom = np.zeros(len(share))
    x = np.arange(len(share))
    for cat in cats:
        vals = share[cat].to_numpy()
        ax.bar(x, vals, bottom=bottom, color=palette[cat], label=cat, width=0.7, edgecolor="white")
        for i, (v, n) in enumerate(zip(vals, counts[cat].to_numpy(), strict=True)):
            if v >= 6:
                ax.text(i, bottom[i] + v / 2, f"{n}", ha="center", va="center", fontsize=7)
        bottom += vals
    ax.set_xticks(x, labels, rotation=0, fontsize=7)
    ax.set_ylabel("samples (%)")
    ax.set_ylim(0, 100)
    n_total = int(counts.sum(axis=1).iloc[0]) if len(counts) else 0
    ax.set_title(f"{title}\nHER2 category of the sequenced sample (n = {n_total})")
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    return fig


def unresolved_samples(samples: pd.DataFrame) -> pd.Index:
    """Sample ids a clinical HER2-negative status leaves between HER2-0 and HER2-low."""
    hit = samples["reason"].astype("string").eq(NEGATIVE_UNRESOLVED_REASON)
    return pd.Index(samples.loc[hit.fillna(False).to_numpy(bool), "sample_id"].astype(str))


def _switching_text(row: pd.Series | None) -> str:
    """The HER2-0 <-> HER2-low switching rate of a rule set, from its ``switching_summary`` row."""
    head = "HER2-0 \u2194 HER2-low switching"
    if row is None or not np.isfinite(row["pct_switch_zero_low"]):
        return f"{head}\nnot computable (no pair)"
    switched = int(row["n_zero_to_low"] + row["n_low_to_zero"])
    both = int(row["n_zero_or_low_both"])
    return f"{head}\n{row['pct_switch_zero_low']:.1f}% ({switched} of {both} pairs)"


def transition_heatmaps(transitions: pd.DataFrame, title: str) -> Figure:
    """Primary-tumour x sequenced-sample HER2 categories of metastatic samples, one panel per rule.

    Each cell gives the number of samples and its row percentage (the share of the primary
    tumour's category); the colour is the row percentage, on one scale shared by all panels (one
    colourbar). Samples whose category is unknown in either tissue are left out (the footnote
    counts them). Under each panel, the HER2-0 <-> HER2-low switching rate as ``switching.tsv``
    reports it (:func:`her2cohort.harmonize.transitions.switching_summary`); its cells are boxed.

    Without metastatic samples whose primary and sequenced HER2 are both known there is nothing
    to draw: the figure says so and why, instead of a heatmap of zeros.
    """
    setup()
    known = transitions[
        (transitions["primary_category"] != "unknown")
        & (transitions["sequenced_category"] != "unknown")
    ]
    if transitions.empty or known.empty:
        _, ax = plt.subplots(figsize=(REPORT_WIDTH_IN, 2.6))
        fig = message_figure(
            wrap(
                f"{title}: HER2 category, primary tumour vs metastatic sample sequenced",
                REPORT_WIDTH_IN - 0.2,
                FONT + 1,
            ),
            "cannot be derived: no metastatic sample has a known HER2 category in both tissues",
            "(the cohort maps no primary-tumour HER2 fields, or has no metastatic samples;"
            " see the summary's notes on each cohort's HER2 fields)",
            ax=ax,
        )
        for text in ax.texts:  # readable at the report's width; the detail wraps too
            text.set_fontsize(max(FONT, text.get_fontsize()))
            text.set_wrap(True)
        return fig
    cats = list(KNOWN_CATEGORIES)
    switching = {r["rule"]: r for _, r in switching_summary(transitions).iterrows()}
    rules = list(dict.fromkeys(transitions["rule"]))
    fig, axes = plt.subplots(
        1,
        len(rules),
        figsize=(REPORT_WIDTH_IN, 5.6),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    cmap = plt.get_cmap("Blues").with_extremes(bad="#F2F2F2")  # grey: a row without samples
    norm = Normalize(0, 100)
    image = None
    not_shown = []
    empty_rows = False
    panel_w = (REPORT_WIDTH_IN - 1.2) / len(rules)  # less the row labels
    for ax, rule in zip(axes[0], rules, strict=True):
        sub = transitions[transitions["rule"] == rule]
        mat = (
            sub.pivot_table(
                index="primary_category", columns="sequenced_category", values="n", aggfunc="sum"
            )
            .reindex(index=cats, columns=cats)
            .fillna(0)
            .astype(int)
        )
        rows = mat.sum(axis=1).to_numpy()[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(rows > 0, 100 * mat.to_numpy() / np.where(rows > 0, rows, 1), np.nan)
        empty_rows = empty_rows or bool((rows == 0).any())
        image = ax.imshow(pct, cmap=cmap, norm=norm)
        for i, j in np.ndindex(pct.shape):
            n, p = int(mat.iat[i, j]), pct[i, j]
            dark = np.isfinite(p) and _luminance(cmap(norm(p))) < 0.45
            ax.text(
                j,
                i,
                f"{n}\n{p:.0f}%" if np.isfinite(p) else f"{n}",
                ha="center",
                va="center",
                fontsize=FONT,
                color="white" if dark else "black",
            )
        for i, j in ((0, 1), (1, 0)):  # HER2-0 -> HER2-low and back: the switches
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#222222", lw=1.6, zorder=3)
            )
        ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(cats)), cats)
        ax.tick_params(labelsize=FONT, length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        z = sub["zero_one_plus"].iloc[0]
        rule_text = wrap(her2_rule_text(rule, z), panel_w, FONT)
        ax.set_title(f"{rule_text}\nn = {int(mat.values.sum())} with both known", fontsize=FONT)
        ax.set_xlabel("sequenced (metastatic) sample", fontsize=FONT)
        ax.annotate(
            _switching_text(switching.get(rule)),
            xy=(0.5, 0.0),
            xycoords=ax.xaxis.label,
            xytext=(0, -6),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=FONT,
            fontweight="bold",
            gid="switching",
        )
        not_shown.append(f"{rule} {int(sub['n'].sum()) - int(mat.values.sum())}")
    axes[0, 0].set_ylabel("primary tumour", fontsize=FONT)
    assert image is not None
    bar = fig.colorbar(image, ax=list(axes[0]), location="bottom", shrink=0.45, aspect=25, pad=0.03)
    bar.set_label("row %: share of the primary tumour's category", fontsize=FONT)
    bar.ax.tick_params(labelsize=FONT)
    fig.suptitle(
        wrap(title, REPORT_WIDTH_IN - 0.2, FONT + 1)
        + "\nHER2 category, primary tumour vs metastatic sample sequenced",
        fontsize=FONT + 1,
    )
    note = (
        "Cells: samples and row %. "
        "Boxed: switches between HER2-0 and HER2-low; switching rate = boxed / all pairs "
        "HER2-0 or HER2-low in both tissues. Not shown, HER2 unknown in either tissue: "
        + ", ".join(not_shown)
        + "."
        + (" Grey: no sample with that primary-tumour category." if empty_rows else "")
    )
    fig.supxlabel(
        wrap(note, REPORT_WIDTH_IN - 0.2, FONT), x=0.01, ha="left", fontsize=FONT, color="#444444"
    )
    return fig


def _luminance(rgba: tuple[float, ...]) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
