"""Per-patient values an analysis table needs beyond the clinical columns: the alteration group,
its profiling caveat, and the cause of death of the disease-specific endpoint.

* Alteration group (``group: {alteration: PIK3CA_mut}``): from the sample x alteration matrix
  (``alterations/matrix.parquet``: 1 altered, 0 profiled and unaltered, NA not profiled), a patient
  is ``altered`` if any of their samples is, ``wild-type`` if profiled and never altered, and
  missing (excluded and counted) if never profiled.
* Profiling caveat: an alteration whose events rest partly on a profile the study lacks (PTEN
  deep deletions without CNA data) is called from the rest; the exclusions table says so.
* Causes (``endpoint: dss``): the ``vital_status`` vocabulary's ``alive`` / ``disease`` /
  ``other`` as the cause codes 0 (censored), 1 (death of the disease), 2 (death of other causes)
  of :mod:`her2cohort.survival.competing`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from her2cohort.alterations import EVENT_PROFILE, availability_from_summary
from her2cohort.errors import DataError
from her2cohort.survival.settings import ALTERED, WILD_TYPE

#: a molecular profile as a study's file is called
PROFILE_WORDS = {"cna": "CNA", "mutations": "mutation", "structural_variants": "fusion/SV"}
#: the canonical ``vital_status`` values and their cause codes
CAUSE_OF = {"alive": 0, "disease": 1, "other": 2}


def patient_alteration(matrix: pd.DataFrame, alteration: str) -> pd.Series:
    """``altered`` / ``wild-type`` per patient (index ``patient_id``); <NA> if never profiled.

    Parameters
    ----------
    matrix
        The alteration matrix: ``patient_id`` and one column per alteration (1 / 0 / <NA>), one
        row per sequenced sample.
    alteration
        The column (an alteration id of ``config/alterations.yaml``).

    Raises
    ------
    DataError
        The matrix has no such column.
    """
    if alteration not in matrix.columns:
        raise DataError(
            f"alteration {alteration} is not in the alteration matrix (config/alterations.yaml)"
        )
    values = pd.to_numeric(matrix[alteration], errors="coerce")
    best = values.groupby(matrix["patient_id"].astype(str)).max()  # NaN only if never profiled
    labels = np.where(best.to_numpy(float) == 1, ALTERED, WILD_TYPE).astype(object)
    out = pd.Series(labels, index=best.index, name="group")
    return out.mask(best.isna())


def alteration_caveat(summary: pd.DataFrame | None, alteration: str) -> str:
    """What the alteration's calls cannot see in this study ('' if every event was profiled).

    Parameters
    ----------
    summary
        ``alterations/summary.tsv`` (``alteration``, ``events``, ``profiles_in_study``), or None.
    alteration
        The alteration id.
    """
    if summary is None or not len(summary):
        return ""
    row = summary[summary["alteration"] == alteration]
    if row.empty:
        return ""
    available = availability_from_summary(summary)
    events = str(row["events"].iloc[0]).split(",")
    missing = [e for e in events if not available.get(EVENT_PROFILE[e], False)]
    if not missing:
        return ""
    kept = [e for e in events if e not in missing]
    files = "/".join(sorted({PROFILE_WORDS.get(EVENT_PROFILE[e], e) for e in missing}))
    called = f"called from {', '.join(kept)} only" if kept else "not callable"
    return (
        f"{alteration}: {', '.join(missing)} not profiled (no {files} file in this copy of the "
        f"study): {called}"
    )


def cause_codes(vital_status: pd.Series) -> pd.Series:
    """Cause codes 0 / 1 / 2 of canonical vital statuses (<NA> where missing or unknown)."""
    return vital_status.astype("string").map(CAUSE_OF).astype("Int64")


def cause_conflicts(cause: pd.Series, event: pd.Series) -> pd.Series:
    """Patients whose cause of death disagrees with their OS status: alive but dead, or dead
    (of either cause) but alive."""
    c = cause.astype("Int64")
    return ((c == 0) & (event == 1)) | (c.isin([1, 2]) & (event == 0))
