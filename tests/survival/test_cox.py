"""Cox PH fits (her2cohort.survival.cox): agreement with R's coxph, design matrices, LR tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2cohort import survival as sv
from survival.conftest import HER2_ANALYSIS, MODEL_CASES, cox_fit, fixture, r_rows, r_table


@pytest.mark.parametrize("cohort,analysis,model,truncation", MODEL_CASES)
def test_cox_matches_r(cohort, analysis, model, truncation):
    fit = cox_fit(cohort, analysis, model, truncation)
    r = r_rows("cox", cohort=cohort, analysis=analysis, model=model, truncation=truncation)
    r = r.set_index("term")
    assert list(fit.params.index) == list(r.index)
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"].to_numpy(), rtol=0, atol=1e-4)
    np.testing.assert_allclose(fit.se.to_numpy(), r["se"].to_numpy(), rtol=1e-4)
    table = sv.cox_table(fit).set_index("term")
    np.testing.assert_allclose(table["hr"], r["hr"], rtol=1e-4)
    np.testing.assert_allclose(table["ci_low"], r["ci_low"], rtol=1e-4)
    np.testing.assert_allclose(table["ci_high"], r["ci_high"], rtol=1e-4)
    np.testing.assert_allclose(table["p"], r["p"], rtol=1e-3, atol=1e-12)
    assert (table["n"] == r["n"]).all() and (table["events"] == r["events"]).all()
    m = r_rows("models", cohort=cohort, analysis=analysis, model=model, truncation=truncation)
    m = m.iloc[0]
    assert fit.loglik == pytest.approx(m["loglik"], abs=1e-6)
    assert fit.loglik_null == pytest.approx(m["loglik_null"], abs=1e-8)
    # R's concordance() counts pairs on the risk sets (entry-aware for counting-process data)
    assert sv.harrell_c_at_risk(
        fit.time, fit.event, fit.linear_predictor, fit.entry
    ) == pytest.approx(m["concordance"], abs=1e-9)


def test_lr_test_matches_r():
    for row in r_table("lrt").itertuples():
        red = cox_fit(row.cohort, row.analysis, row.reduced, row.truncation)
        full = cox_fit(row.cohort, row.analysis, row.full, row.truncation)
        lr = sv.lr_test(red, full)
        assert lr["chisq"] == pytest.approx(row.chisq, abs=1e-5)
        assert lr["df"] == row.df
        assert lr["p"] == pytest.approx(row.p, rel=1e-4)


def test_design_matrix_names_and_reference_levels():
    d = pd.DataFrame(
        {
            "group": ["HER2-0", "HER2-low", "HER2-positive"],
            "age": [40.0, 50.0, 60.0],
            "primary_hr_status": ["positive", "negative", "positive"],
        }
    )
    X, assign = sv.design_matrix(d, HER2_ANALYSIS, ("group", "age", "primary_hr_status"))
    assert list(X.columns) == [
        "group:HER2-low",
        "group:HER2-positive",
        "age",
        "primary_hr_status:negative",
    ]
    assert assign == {"group": [0, 1], "age": [2], "primary_hr_status": [3]}


def test_null_loglik_matches_lifelines_refit():
    a, data, _ = fixture("breast_msk_2018", "her2_hrpos")
    fit = cox_fit("breast_msk_2018", "her2_hrpos", "crude", "left")
    stat = fit.fitter.log_likelihood_ratio_test().test_statistic
    assert fit.loglik_null == pytest.approx(fit.loglik - stat / 2, abs=1e-8)
