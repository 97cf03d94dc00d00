"""Cox forest plots: hazard ratios with 95% CIs per model term, from the computed ``cox`` table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from matplotlib.transforms import blended_transform_factory

from her2cohort import survival as sv
from her2cohort.figures.km import TRUNCATION_COLOR, TRUNCATION_SHORT
from her2cohort.figures.style import setup


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
