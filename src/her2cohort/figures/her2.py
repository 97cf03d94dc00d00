"""HER2 figures: category composition per rule set, primary -> sequenced transitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from her2cohort.figures.style import HER2_PALETTE, message_figure, plt, setup
from her2cohort.terms import CATEGORIES


def composition(scenarios: pd.DataFrame, title: str) -> Figure:
    """Stacked bars: share of samples per HER2 category, for each rule set x 0-1+ assignment."""
    setup()
    seq = scenarios[scenarios["tissue"] == "sequenced"]
    counts = seq.groupby(["rule", "zero_one_plus", "her2_category"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
    labels = [f"{r}\n0-1+ as {z}" for r, z in counts.index]
    share = counts.div(counts.sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(max(5.5, 1.15 * len(share) + 2), 4.2))
    bottom = np.zeros(len(share))
    x = np.arange(len(share))
    for cat in CATEGORIES:
        vals = share[cat].to_numpy()
        ax.bar(
            x, vals, bottom=bottom, color=HER2_PALETTE[cat], label=cat, width=0.7, edgecolor="white"
        )
        for i, (v, n) in enumerate(zip(vals, counts[cat].to_numpy(), strict=True)):
            if v >= 6:
                ax.text(
                    i,
                    bottom[i] + v / 2,
                    f"{n}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black",
                )
        bottom += vals
    ax.set_xticks(x, labels, rotation=0, fontsize=7)
    ax.set_ylabel("samples (%)")
    ax.set_ylim(0, 100)
    n_total = int(counts.sum(axis=1).iloc[0]) if len(counts) else 0
    ax.set_title(f"{title}: HER2 category of the sequenced sample (n = {n_total})")
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    return fig


def transition_heatmaps(transitions: pd.DataFrame, title: str) -> Figure:
    """Primary-tumour x sequenced-sample category counts for metastatic samples, one panel per rule.

    Without metastatic samples whose primary and sequenced HER2 are both known there is nothing
    to draw: the figure says so and why, instead of a heatmap of zeros.
    """
    setup()
    known = transitions[
        (transitions["primary_category"] != "unknown")
        & (transitions["sequenced_category"] != "unknown")
    ]
    if transitions.empty or known.empty:
        return message_figure(
            f"{title}: HER2 category, primary tumour vs metastatic sample sequenced",
            "cannot be derived: no metastatic sample has a known HER2 category in both tissues",
            "(the cohort maps no primary-tumour HER2 fields, or has no metastatic samples;"
            " see the summary's notes on each cohort's HER2 fields)",
        )
    rules = list(dict.fromkeys(transitions["rule"]))
    fig, axes = plt.subplots(1, len(rules), figsize=(4.3 * len(rules), 3.9), squeeze=False)
    for ax, rule in zip(axes[0], rules, strict=True):
        sub = transitions[transitions["rule"] == rule]
        mat = (
            sub.pivot_table(
                index="primary_category", columns="sequenced_category", values="n", aggfunc="sum"
            )
            .reindex(index=list(CATEGORIES), columns=list(CATEGORIES))
            .fillna(0)
            .astype(int)
        )
        sns.heatmap(
            mat, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, linewidths=0.5, square=True
        )
        z = sub["zero_one_plus"].iloc[0] if len(sub) else ""
        ax.set_title(f"{rule} (0-1+ as {z}), n = {int(mat.values.sum())}")
        ax.set_xlabel("sequenced (metastatic) sample")
        ax.set_ylabel("primary tumour")
        ax.tick_params(axis="x", rotation=30)
        ax.tick_params(axis="y", rotation=0)
    fig.suptitle(
        f"{title}: HER2 category, primary tumour vs metastatic sample sequenced", fontsize=10
    )
    fig.tight_layout()
    return fig
