"""Whether a Cox model can be fitted to an analysis table, the fit or why not, and the
``models`` row of a model that was not fitted (shared by the analysis and the period fits)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.survival.cox import CoxFit, fit_cox
from her2cohort.survival.settings import Analysis
from her2cohort.survival.table import fit_population

log = logging.getLogger(__name__)


def not_fittable(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> str:
    """Why a Cox model cannot be fitted to an analysis table ('' if it can be tried)."""
    pop = fit_population(data, truncation)
    if not len(pop):
        return "no patient in the analysis population"
    if int(pop["event"].sum()) == 0:
        return f"no deaths among {len(pop)} patients"
    if "group" in analysis.models[model] and pop["group"].nunique() < 2:
        return f"fewer than two groups with patients ({', '.join(sorted(set(pop['group'])))})"
    return ""


def try_fit(data: pd.DataFrame, analysis: Analysis, model: str, truncation: str) -> CoxFit | str:
    """The fit, or why the fitter gave up (non-convergence, a singular information matrix)."""
    from lifelines.exceptions import ConvergenceError

    try:
        return fit_cox(data, analysis, model, truncation)
    except (ConvergenceError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"the fit failed: {first[:200]}"


def unfitted_model_row(data: pd.DataFrame, model: str, truncation: str, why: str) -> dict[str, Any]:
    """A ``models`` row for a model that was not fitted: its size and the reason in ``notes``."""
    pop = fit_population(data, truncation)
    log.warning("model %s (%s) not fitted: %s", model, truncation, why)
    return {
        "model": model,
        "truncation": truncation,
        "n": len(pop),
        "events": int(pop["event"].sum()) if len(pop) else 0,
        "notes": f"not fitted: {why}",
    }
