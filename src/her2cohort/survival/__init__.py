"""Survival analyses of HER2 categories and intrinsic subtypes: Kaplan-Meier, log-rank, Cox PH.

Everything here is a small pure function over pandas frames / numpy arrays; the Snakemake scripts
read inputs, call one entry point (:func:`survival_tables`, :func:`survival_summary`; the figures:
:func:`her2cohort.figures.survival.survival_figures`) and write the results.

Conventions (chosen to agree with R's ``survival`` package, the field's reference)
--------------------------------------------------------------------------------
* Truncation labels: ``none`` (naive: everyone at risk from diagnosis) and ``left`` (left-truncated:
  a patient is at risk only after entering the cohort, at first sequencing).
* Risk set at time t: naive ``time >= t``; left-truncated ``entry < t <= time`` -- R's counting
  process ``Surv(entry, time, event)``. A patient whose entry is not before their last follow-up
  (``entry >= time``) cannot contribute and is dropped from truncated fits (counted).

One module per concept, each documenting its methods:

=================  ===============================================================================
``settings``       the ``survival:`` settings, analyses and HER2 sensitivity variants; p-values;
                   the checks of a cohort's block the schema cannot make
``groups``         per-patient alteration groups and cause-of-death codes (``endpoint: dss``)
``table``          the analysis table (one row per patient) and its exclusion counts
``km``             Kaplan-Meier curves (R's survfit), medians, survival at t, numbers at risk
``logrank``        log-rank tests (lifelines naive; (entry, time] risk sets when truncated)
``cox``            Cox PH fits (lifelines, Efron ties), contrasts, fit statistics, LR tests
``fitting``        whether a model can be fitted, the fit or why not
``ph``             the PH test (R's cox.zph, survival >= 3.0)
``concordance``    Harrell's C, Uno's C, Harrell's C on the risk sets (R's concordance())
``rmst``           restricted mean survival time and its group differences (R's survfit rmean)
``periods``        period-specific hazard ratios: Cox per follow-up period (R's survSplit + coxph)
``competing``      Aalen-Johansen incidence (R's multi-state survfit) and cause-specific Cox
``nonph``          an analysis' RMST and period tables, flagged where the PH test fails
``claims``         the claims' decision rules (HR, LR test, RMST when PH fails)
``claim_rows``     the claims table: each claim's primary, contrast and sensitivity rows
``analysis``       one analysis end to end, a cohort's summary (the workflow's entry points)
=================  ===============================================================================

Reference values from R are in tests/reference/ (survival_reference.R); tests/survival/ checks
agreement.
"""

from her2cohort.survival.analysis import (
    ANALYSIS_FILES,
    ANALYSIS_TABLES,
    SurvivalSummary,
    run_analysis,
    survival_summary,
    survival_tables,
)
from her2cohort.survival.claim_rows import (
    CLAIM_TABLES,
    claim_analyses,
    claims_table,
    evaluate_claim,
)
from her2cohort.survival.claims import (
    CLAIM_COLUMNS,
    Verdict,
    WorstGroupVerdict,
    rmst_pairs,
    rule_text,
    verdict_difference,
    verdict_no_added_value,
    verdict_rmst_difference,
    verdict_worst_group,
    verdict_worst_group_rmst,
)
from her2cohort.survival.competing import (
    CAUSES,
    CIF_COLUMNS,
    CIF_CURVES_COLUMNS,
    CIF_TABLE_COLUMNS,
    CS_COX_COLUMNS,
    aalen_johansen,
    cause_specific_cox,
    cause_specific_table,
    check_causes,
    cif_at,
    cif_curves,
    cif_table,
)
from her2cohort.survival.concordance import Concordance, concordance, harrell_c_at_risk
from her2cohort.survival.cox import (
    CONTRAST_COLUMNS,
    COX_COLUMNS,
    LRT_COLUMNS,
    CoxFit,
    Design,
    cox_table,
    design_matrix,
    fit_cox,
    group_contrasts,
    lr_test,
    model_summary,
    null_loglik,
)
from her2cohort.survival.groups import (
    CAUSE_OF,
    alteration_caveat,
    cause_codes,
    cause_conflicts,
    patient_alteration,
)
from her2cohort.survival.km import (
    CURVE_COLUMNS,
    KM_CURVES_COLUMNS,
    Bounds,
    Estimate,
    group_curve,
    kaplan_meier,
    km_at,
    km_curves,
    km_quantile,
    km_table,
    loglog_ci,
    number_at_risk,
)
from her2cohort.survival.logrank import (
    LOGRANK_COLUMNS,
    LogrankResult,
    holm,
    logrank,
    logrank_table,
)
from her2cohort.survival.nonph import (
    PERIOD_FILE_COLUMNS,
    RMST_FILE_COLUMNS,
    period_tables,
    ph_global,
    rmst_tables,
)
from her2cohort.survival.periods import PERIOD_COLUMNS, period_bounds, period_cox, split_periods
from her2cohort.survival.ph import PH_COLUMNS, cox_zph, lifelines_ph_test
from her2cohort.survival.rmst import RMST_COLUMNS, Rmst, rmst, rmst_difference, rmst_table
from her2cohort.survival.settings import (
    ALTERED,
    CONF_LEVEL,
    ENDPOINTS,
    HER2_WHERE,
    TRUNCATIONS,
    WILD_TYPE,
    Analysis,
    Settings,
    Z,
    alteration_ids,
    check_survival_config,
    chi2_sf,
    expand_analyses,
    norm_p,
    settings_from_config,
)
from her2cohort.survival.table import (
    WARNING_COLUMNS,
    AnalysisTable,
    PatientValues,
    as_written,
    build_analysis_table,
    entry_times,
    fit_population,
    highest_category,
    patient_her2,
    patient_values,
    read_table,
)

__all__ = [
    "ALTERED",
    "ANALYSIS_FILES",
    "ANALYSIS_TABLES",
    "CAUSES",
    "CAUSE_OF",
    "CIF_COLUMNS",
    "CIF_CURVES_COLUMNS",
    "CIF_TABLE_COLUMNS",
    "CLAIM_COLUMNS",
    "CLAIM_TABLES",
    "CONF_LEVEL",
    "CONTRAST_COLUMNS",
    "COX_COLUMNS",
    "CS_COX_COLUMNS",
    "CURVE_COLUMNS",
    "ENDPOINTS",
    "HER2_WHERE",
    "KM_CURVES_COLUMNS",
    "LOGRANK_COLUMNS",
    "LRT_COLUMNS",
    "PERIOD_COLUMNS",
    "PERIOD_FILE_COLUMNS",
    "PH_COLUMNS",
    "RMST_COLUMNS",
    "RMST_FILE_COLUMNS",
    "TRUNCATIONS",
    "WARNING_COLUMNS",
    "WILD_TYPE",
    "Z",
    "Analysis",
    "AnalysisTable",
    "Bounds",
    "Concordance",
    "CoxFit",
    "Design",
    "Estimate",
    "LogrankResult",
    "PatientValues",
    "Rmst",
    "Settings",
    "SurvivalSummary",
    "Verdict",
    "WorstGroupVerdict",
    "aalen_johansen",
    "alteration_caveat",
    "alteration_ids",
    "as_written",
    "build_analysis_table",
    "cause_codes",
    "cause_conflicts",
    "cause_specific_cox",
    "cause_specific_table",
    "check_causes",
    "check_survival_config",
    "chi2_sf",
    "cif_at",
    "cif_curves",
    "cif_table",
    "claim_analyses",
    "claims_table",
    "concordance",
    "cox_table",
    "cox_zph",
    "design_matrix",
    "entry_times",
    "evaluate_claim",
    "expand_analyses",
    "fit_cox",
    "fit_population",
    "group_contrasts",
    "group_curve",
    "harrell_c_at_risk",
    "highest_category",
    "holm",
    "kaplan_meier",
    "km_at",
    "km_curves",
    "km_quantile",
    "km_table",
    "lifelines_ph_test",
    "loglog_ci",
    "logrank",
    "logrank_table",
    "lr_test",
    "model_summary",
    "norm_p",
    "null_loglik",
    "number_at_risk",
    "patient_alteration",
    "patient_her2",
    "patient_values",
    "period_bounds",
    "period_cox",
    "period_tables",
    "ph_global",
    "read_table",
    "rmst",
    "rmst_difference",
    "rmst_pairs",
    "rmst_table",
    "rmst_tables",
    "rule_text",
    "run_analysis",
    "settings_from_config",
    "split_periods",
    "survival_summary",
    "survival_tables",
    "verdict_difference",
    "verdict_no_added_value",
    "verdict_rmst_difference",
    "verdict_worst_group",
    "verdict_worst_group_rmst",
]
