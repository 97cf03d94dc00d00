"""The PH test (her2cohort.survival.ph): agreement with R's cox.zph (survival >= 3.0)."""

from __future__ import annotations

import numpy as np
import pytest

from her2cohort import survival as sv
from survival.conftest import MODEL_CASES, cox_fit, r_rows


@pytest.mark.parametrize("cohort,analysis,model,truncation", MODEL_CASES)
def test_ph_test_matches_r_cox_zph(cohort, analysis, model, truncation):
    ours = sv.cox_zph(cox_fit(cohort, analysis, model, truncation)).set_index("term")
    r = r_rows("zph", cohort=cohort, analysis=analysis, model=model, truncation=truncation)
    r = r.set_index("term")
    assert list(ours.index) == list(r.index)
    assert (ours["df"] == r["df"]).all()
    np.testing.assert_allclose(ours["chisq"], r["chisq"], rtol=1e-4)


def test_ph_test_columns_and_lifelines_only_for_naive_fits():
    naive = cox_fit("breast_msk_2018", "her2_hrpos", "adjusted", "none")
    truncated = cox_fit("breast_msk_2018", "her2_hrpos", "adjusted", "left")
    assert list(sv.cox_zph(truncated).columns) == sv.PH_COLUMNS
    assert list(sv.lifelines_ph_test(naive).columns) == sv.PH_COLUMNS
    assert sv.lifelines_ph_test(truncated).empty
