"""Survival figures of one analysis: the Kaplan-Meier figure (:mod:`.km`) and the Cox forest
(:mod:`.forest`), drawn from the analysis' tables; a disease-specific analysis' cumulative
incidence figure is :func:`her2cohort.figures.cif.cif_figure`.

The figures draw the computed tables (``km_curves``, ``logrank``, ``cox``), so a figure always
shows exactly what the tables report; only the numbers at risk under the curves and the patients
per level in the forest are counted from the analysis table (``data.tsv``). For the ``dss``
endpoint the curves are disease-specific survival (deaths of other causes censored), and the
y axis says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd
from matplotlib.figure import Figure

from her2cohort import survival as sv
from her2cohort.figures.forest import forest_figure
from her2cohort.figures.km import group_colors, km_figure, km_panel
from her2cohort.figures.style import message_figure

#: the KM y-axis label per endpoint
SURVIVAL_LABEL = {"os": "Overall survival", "dss": "Disease-specific survival"}

__all__ = [
    "SURVIVAL_LABEL",
    "SurvivalFigures",
    "forest_figure",
    "group_colors",
    "km_figure",
    "km_panel",
    "survival_figures",
]


class SurvivalFigures(NamedTuple):
    """An analysis' Kaplan-Meier and Cox forest figures."""

    km: Figure
    forest: Figure


def survival_figures(
    tables: Mapping[str, pd.DataFrame],
    analysis: sv.Analysis | Mapping[str, Any],
    settings: sv.Settings | Mapping[str, Any],
) -> SurvivalFigures:
    """An analysis' Kaplan-Meier and forest figures, from its tables.

    Parameters
    ----------
    tables
        The analysis' ``data``, ``km_curves``, ``logrank``, ``cox`` and ``models`` tables (as read from their
        TSVs: :func:`her2cohort.io.read_tsv`).
    analysis, settings
        The analysis (levels, title, reference levels) and the cohort's settings (truncations,
        time axis), or their ``as_dict()`` mappings (as the workflow passes them).

    Returns
    -------
    SurvivalFigures
    """
    analysis, settings = sv.Analysis.of(analysis), sv.Settings.of(settings)
    if tables["data"].empty:
        km = message_figure(
            analysis.title,
            "no patient in the analysis population",
            "(exclusions.tsv counts every patient excluded, step by step)",
        )
    else:
        km = km_figure(
            tables["km_curves"],
            tables["data"],
            analysis.levels,
            settings.truncations,
            analysis.title,
            tables["logrank"],
            settings.plot_max_months,
            settings.plot_step_months,
        )
        _label_endpoint(km, analysis.endpoint)
    if tables["cox"].empty:
        models = tables.get("models")
        notes = sorted(set(models["notes"].dropna().astype(str))) if models is not None else []
        forest = message_figure(
            analysis.title,
            "no Cox model could be fitted: "
            + "; ".join(n.removeprefix("not fitted: ") for n in notes),
            "(models.tsv says why for every model and truncation)",
        )
    else:
        forest = forest_figure(
            tables["cox"],
            analysis.title,
            analysis.references,
            data=tables.get("data"),
            analysis=analysis,
        )
    return SurvivalFigures(km, forest)


def _label_endpoint(fig: Figure, endpoint: str) -> None:
    """Name the survival axis by the endpoint (the KM panels are drawn as overall survival)."""
    for ax in fig.axes:
        if ax.get_ylabel() == SURVIVAL_LABEL["os"]:
            ax.set_ylabel(SURVIVAL_LABEL.get(endpoint, SURVIVAL_LABEL["os"]))
