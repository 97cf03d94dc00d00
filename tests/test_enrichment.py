"""Enrichment statistics against independent computations, edge cases, and the published rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests

from conftest import REPO
from her2cohort import enrichment as en
from her2cohort.alterations import alteration_matrix, load_alterations, profile_availability
from her2cohort.harmonize import harmonize_samples


def _frame(groups):
    """groups: list of (altered flag 1/0/None, category, hr, count) -> matrix, cats, hr."""
    rows = []
    for alt, cat, hr, n in groups:
        rows += [(alt, cat, hr)] * n
    df = pd.DataFrame(rows, columns=["A", "cat", "hr"])
    matrix = pd.DataFrame(
        {"sample_id": [f"s{i}" for i in range(len(df))], "A": pd.array(df["A"], dtype="Int8")}
    )
    return matrix, df["cat"], df["hr"]


DEFS = pd.DataFrame(
    {
        "alteration": ["A"],
        "mechanism": ["m"],
        "genes": ["G"],
        "extension": [False],
        "events": ["mutation"],
    }
)


def test_two_by_two_against_scipy_and_statsmodels() -> None:
    matrix, cats, hr = _frame(
        [
            (1, "HER2-low", "positive", 30),
            (1, "HER2-0", "positive", 10),
            (1, "HER2-positive", "positive", 5),
            (1, "unknown", "positive", 4),
            (1, "HER2-low", "negative", 3),
            (1, "HER2-0", "negative", 6),
            (0, "HER2-low", "positive", 200),
            (0, "HER2-0", "positive", 120),
            (0, "HER2-positive", "negative", 40),
            (0, "HER2-low", "negative", 20),
            (0, "HER2-0", "negative", 60),
            (None, "HER2-low", "positive", 7),
        ]
    )
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert (row.n_altered, row.n_evaluable, row.n_her2_0, row.n_her2_low, row.n_her2_positive) == (
        58,
        54,
        16,
        33,
        5,
    )
    assert row.n_not_profiled == 7
    assert row.pct_her2_low == pytest.approx(100 * 33 / 54)
    # Wilson interval, computed from its formula
    p, n, z = 33 / 54, 54, stats.norm.ppf(0.975)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert row.pct_her2_low_ci_low == pytest.approx(100 * (centre - half), rel=1e-9)
    assert row.pct_her2_low_ci_high == pytest.approx(100 * (centre + half), rel=1e-9)
    assert row.pct_her2_low_unaltered == pytest.approx(100 * 220 / 440)
    table = np.array([[33, 16], [220, 180]])
    assert row.fisher_p == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    cond = stats.contingency.odds_ratio(table, kind="conditional")
    assert row.odds_ratio == pytest.approx(cond.statistic, rel=1e-9)
    assert row.or_ci_low == pytest.approx(cond.confidence_interval().low, rel=1e-9)
    # conditional MLE is close to (but not equal to) the sample odds ratio
    assert row.odds_ratio == pytest.approx(Table2x2(table).oddsratio, rel=0.02)
    strata = [np.array([[30, 10], [200, 120]]), np.array([[3, 6], [20, 60]])]
    st = StratifiedTable(strata)
    assert row.mh_odds_ratio == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    lo, hi = st.oddsratio_pooled_confint()
    assert (row.mh_ci_low, row.mh_ci_high) == (pytest.approx(lo), pytest.approx(hi))
    assert row.mh_p == pytest.approx(st.test_null_odds(correction=True).pvalue)
    assert row.breslow_day_p == pytest.approx(st.test_equal_odds().pvalue)
    assert row.status == "computed"


def test_cmh_matches_textbook_formula() -> None:
    strata = [
        np.array([[12, 5], [30, 40]]),
        np.array([[4, 9], [10, 33]]),
        np.array([[7, 2], [15, 11]]),
    ]
    a = np.array([t[0, 0] for t in strata], float)
    r1 = np.array([t[0].sum() for t in strata], float)
    c1 = np.array([t[:, 0].sum() for t in strata], float)
    n = np.array([t.sum() for t in strata], float)
    e = r1 * c1 / n
    v = r1 * (n - r1) * c1 * (n - c1) / (n**2 * (n - 1))
    chi2 = (abs(a.sum() - e.sum()) - 0.5) ** 2 / v.sum()
    mh_or = sum(t[0, 0] * t[1, 1] / t.sum() for t in strata) / sum(
        t[0, 1] * t[1, 0] / t.sum() for t in strata
    )
    got = en.mantel_haenszel(strata)
    assert got[0] == pytest.approx(mh_or, rel=1e-12)
    assert got[3] == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-10)
    assert got[5] == 3


def test_empty_cells_and_zero_altered() -> None:
    # altered samples are all HER2-low: OR infinite; conditional MLE and CI from scipy
    matrix, cats, hr = _frame(
        [
            (1, "HER2-low", "positive", 5),
            (0, "HER2-low", "positive", 20),
            (0, "HER2-0", "positive", 20),
        ]
    )
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert math.isinf(row.odds_ratio) and row.fisher_p == pytest.approx(
        stats.fisher_exact([[5, 0], [20, 20]]).pvalue
    )
    assert row.pct_her2_low == 100.0
    # no altered sample at all: counts zero, statistics undefined, not an error
    matrix, cats, hr = _frame([(0, "HER2-low", "positive", 20), (0, "HER2-0", "negative", 20)])
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert (row.n_altered, row.n_evaluable) == (0, 0)
    assert math.isnan(row.pct_her2_low) and math.isnan(row.odds_ratio) and math.isnan(row.bh_q)
    assert row.status == "computed: no altered sample with a known HER2 category"
    # a stratum with a single sample is dropped from Mantel-Haenszel
    matrix, cats, hr = _frame(
        [
            (1, "HER2-low", "positive", 6),
            (1, "HER2-0", "positive", 3),
            (0, "HER2-low", "positive", 10),
            (0, "HER2-0", "positive", 12),
            (1, "HER2-0", "negative", 1),
        ]
    )
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert row.n_mh_strata == 1 and math.isnan(row.breslow_day_p)


@pytest.mark.parametrize("n", range(1, 120))
def test_wilson_bounds_hold_the_share_exactly_at_0_and_100_percent(n: int) -> None:
    for k in (0, 1, n - 1, n):
        lo, hi = en.wilson(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0, (k, n, lo, hi)
    assert en.wilson(0, n)[0] == 0.0 and en.wilson(n, n)[1] == 1.0


def test_share_plot_draws_rows_at_0_and_100_percent() -> None:
    """A 0% or 100% row (7 samples: the formula's bound lands 2.8e-17 off) must draw."""
    from her2cohort.figures.enrichment import share_plot

    matrix, cats, hr = _frame(
        [
            (1, "HER2-0", "positive", 7),
            (0, "HER2-low", "positive", 20),
            (0, "HER2-0", "positive", 20),
        ]
    )
    table = en.enrichment_table(matrix, cats, hr, DEFS)
    assert table.iloc[0].pct_her2_low == 0.0 and table.iloc[0].pct_her2_low_ci_low == 0.0
    share_plot(table, None, "zero row")


def test_not_computable_rows_say_why() -> None:
    matrix, cats, hr = _frame([(None, "HER2-low", "positive", 5)])
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert row.status == "not computable: no sample profiled for these genes and events"
    matrix, cats, hr = _frame([(1, "unknown", "positive", 5), (0, "HER2-positive", "positive", 5)])
    row = en.enrichment_table(matrix, cats, hr, DEFS).iloc[0]
    assert row.status.startswith("not computable: HER2-0 and HER2-low cannot be told apart")
    assert math.isnan(row.pct_her2_low)
    cannot = en.cannot_compute(
        pd.DataFrame(
            {"alteration": ["X", "Y"], "events": ["amplification", "mutation,deep_deletion"]}
        ),
        {"mutations": True, "cna": False, "structural_variants": False},
    )
    assert cannot == {
        "X": "not computable: no CNA file in this copy of the study",
        "Y": "partial: deep_deletion not profiled in this study (cna)",
    }


def test_bh_across_table() -> None:
    defs = pd.DataFrame(
        {"alteration": list("ABC"), "mechanism": "m", "genes": list("ABC"), "extension": False}
    )
    rng = np.random.default_rng(1)
    n = 400
    cats = pd.Series(rng.choice(["HER2-0", "HER2-low", "HER2-positive"], n))
    matrix = pd.DataFrame({"sample_id": range(n)})
    for c in "ABC":
        matrix[c] = pd.array(rng.integers(0, 2, n), dtype="Int8")
    out = en.enrichment_table(matrix, cats, pd.Series(["positive"] * n), defs)
    assert out["bh_q"].tolist() == pytest.approx(
        list(multipletests(out["fisher_p"], method="fdr_bh")[1])
    )


def test_unit_patient_keeps_latest_sample() -> None:
    frame = pd.DataFrame(
        {"sample_id": ["a1", "a2", "b1", "c1", "c2"], "patient_id": ["a", "a", "b", "c", "c"]}
    )
    seq = pd.Series([10.0, 20.0, None, None, None])
    kept = en.select_unit(frame, "patient", seq)
    assert kept["sample_id"].tolist() == ["a2", "b1", "c2"]
    assert en.select_unit(frame, "sample") is frame


@pytest.mark.real
def test_all_sixteen_published_rows(msk_tables, msk_clinical) -> None:
    """The anchor table's 16 rows: 13 equal to the count, PTEN (printed as a percentage only) at
    the printed precision, FGFR1/2 and AKT1 differ by stated amounts; NF1's printed 67% is not its
    own 52/93."""
    alts = load_alterations(REPO / "config" / "alterations.yaml")
    matrix, _, _ = alteration_matrix(msk_tables, alts)
    samples = harmonize_samples(msk_clinical, "ihc_only", "low").set_index("sample_id")
    cats = samples["her2_category"].reindex(matrix["sample_id"])
    hr = msk_clinical.set_index("sample_id")["hr_status"].reindex(matrix["sample_id"])
    table = en.enrichment_table(matrix, cats, hr, alts.table())
    published = read_published()
    assert len(published) == 16
    comp = en.published_comparison(table, published, "breast_msk_2018").set_index("alteration")
    comp = comp.loc[published["alteration"]]
    assert (comp["match"] == "yes").sum() == 13
    assert comp.loc["PTEN_alt", "match"] == "yes (percentage only)"
    assert comp.loc["FGFR1_2_alt", "differs_by"] == "HER2-low +6, evaluable +10"
    assert comp.loc["AKT1_alt", "differs_by"] == "HER2-low +0, evaluable -1"
    assert comp.loc["NF1_alt", "printed_pct_check"] == "printed 67% but 52/93 is 56%"


def read_published() -> pd.DataFrame:
    from her2cohort.io import read_tsv

    return read_tsv(REPO / "config" / "published" / "her2_low_table.tsv")


def test_published_rows_exactly(msk_tables, msk_clinical) -> None:
    alts = load_alterations(REPO / "config" / "alterations.yaml")
    matrix, _, _ = alteration_matrix(msk_tables, alts)
    samples = harmonize_samples(msk_clinical, "ihc_only", "low").set_index("sample_id")
    cats = samples["her2_category"].reindex(matrix["sample_id"])
    hr = msk_clinical.set_index("sample_id")["hr_status"].reindex(matrix["sample_id"])
    table = en.enrichment_table(matrix, cats, hr, alts.table()).set_index("alteration")
    got = table.loc[["ESR1_mut", "PIK3CA_mut", "MYC_amp"], ["n_her2_low", "n_evaluable"]]
    assert got.values.tolist() == [[89, 147], [445, 686], [100, 157]]
    published = pd.read_csv(REPO / "config" / "published" / "her2_low_table.tsv", sep="\t")
    comp = en.published_comparison(table.reset_index(), published).set_index("alteration")
    assert comp.loc[["ESR1_mut", "PIK3CA_mut", "MYC_amp"], "match"].tolist() == ["yes"] * 3
    # against its own baseline, ESR1-mutant tumours are not enriched for HER2-low
    esr1 = table.loc["ESR1_mut"]
    assert esr1.pct_her2_low_unaltered == pytest.approx(100 * 1035 / 1661)
    assert esr1.odds_ratio < 1 and esr1.or_ci_high > 1


@pytest.mark.real
def test_metabric_rows_say_what_cannot_be_computed(metabric_tables, metabric_clinical) -> None:
    alts = load_alterations(REPO / "config" / "alterations.yaml")
    matrix, _, _ = alteration_matrix(metabric_tables, alts)
    cannot = en.cannot_compute(alts.table(), profile_availability(metabric_tables))
    for rule, z in (("ihc_only", "low"), ("asco_cap_2018", "zero")):
        samples = harmonize_samples(metabric_clinical, rule, z).set_index("sample_id")
        table = en.enrichment_table(
            matrix,
            samples["her2_category"].reindex(matrix["sample_id"]),
            metabric_clinical["hr_status"],
            alts.table(),
            cannot=cannot,
        ).set_index("alteration")
        assert table["status"].str.startswith("not computable").all()
        assert table["pct_her2_low"].isna().all()
        assert (
            table.loc["MYC_amp", "status"]
            == "not computable: no CNA file in this copy of the study"
        )
        assert table.loc["PIK3CA_mut", "n_altered"] == 975
