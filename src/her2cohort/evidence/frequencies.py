"""Frequency claims: HER2-low share vs baseline, an alteration by HER2 group, heterogeneity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.alterations import (
    EVENT_PROFILE,
    Alteration,
    AlterationSet,
    alteration_matrix,
    profile_availability,
)
from her2cohort.contingency import mantel_haenszel, odds_ratio_exact
from her2cohort.evidence import verdicts
from her2cohort.evidence.base import (
    EVENT_WORDS,
    CohortInputs,
    evidence_row,
    judge,
    not_testable,
    role_of,
    scenario_text,
    scenarios,
)
from her2cohort.evidence.registry import Claim
from her2cohort.genes import resolve_configured
from her2cohort.harmonize.parse import parse_ihc


def share_vs_baseline(claim: Claim, inp: CohortInputs) -> list[dict[str, Any]]:
    """Claim 1: share HER2-low among altered vs the unaltered baseline, per rule set x 0-1+."""
    sens = inp.sensitivity
    if sens.empty:
        return not_testable(claim, inp.cohort, "no enrichment table")
    rows = (
        sens
        if claim.spec.get("rows") == "all"
        else sens[sens["alteration"].isin(inp.published_rows)]
    )
    alpha = claim.rule["alpha"]
    out = []
    for (rule, z), sub in rows.groupby(["rule", "zero_one_plus"], sort=False):
        ok = sub[sub["status"].astype(str).str.startswith("computed") & sub["odds_ratio"].notna()]
        if ok.empty:
            continue
        orr = ok["odds_ratio"].astype(float)
        sig = int(((orr > 1) & (ok["bh_q"].astype(float) < alpha)).sum())
        above = int((orr > 1).sum())
        v = verdicts.majority(sig, above, len(ok), alpha)
        detail = (
            f"median share HER2-low {ok['pct_her2_low'].median():.1f}% among altered vs "
            f"{ok['pct_her2_low_unaltered'].median():.1f}% among unaltered tumours"
        )
        out.append(
            evidence_row(claim, inp.cohort, role=role_of(inp, str(rule), str(z)), scenario=scenario_text(str(rule), str(z)),
                 quantity="rows with HER2-low above the unaltered baseline (share)",
                 estimate=sig / len(ok), n=len(ok), detail=detail, verdict=v.verdict, reason=v.reason)
        )  # fmt: skip
    if not out:
        return not_testable(
            claim, inp.cohort, "HER2-0 and HER2-low cannot be told apart (no IHC scores)"
        )
    return out


def _alteration_status(claim: Claim, inp: CohortInputs) -> tuple[pd.Series | None, str]:
    spec = claim.spec["alteration"]
    genes, _ = resolve_configured(spec["genes"], f"config/claims.yaml: claim {claim.id}")
    avail = profile_availability(inp.tables)
    missing = sorted({EVENT_PROFILE[e] for e in spec["events"] if not avail[EVENT_PROFILE[e]]})
    if len(missing) == len({EVENT_PROFILE[e] for e in spec["events"]}):
        words = {"cna": "CNA", "mutations": "mutation", "structural_variants": "fusion/SV"}
        return None, f"no {'/'.join(words[m] for m in missing)} file in this copy of the study"
    alt = Alteration(claim.id, "claim", genes, tuple(spec["events"]))
    matrix, _, _ = alteration_matrix(inp.tables, AlterationSet([alt], inp.mutation_filter or {}))
    status = matrix.set_index("sample_id")[claim.id]
    if status.notna().sum() == 0:
        return None, f"{'/'.join(genes)} not profiled in any sample"
    return status, ""


def mask(
    inp: CohortInputs, flt: Mapping[str, list[str]], index: pd.Index
) -> tuple[np.ndarray | None, str]:
    keep = np.ones(len(index), dtype=bool)
    for col, values in flt.items():
        if col == "her2_category":
            vals = inp.samples[inp.default_rule]["her2_category"].reindex(index)
        elif col in inp.clinical and inp.clinical[col].notna().any():
            vals = inp.clinical[col].reindex(index)
        else:
            return None, f"no {col} in this cohort"
        keep &= vals.astype("string").isin(values).fillna(False).to_numpy(bool)
    return keep, ""


def alteration_by_her2(claim: Claim, inp: CohortInputs) -> list[dict[str, Any]]:
    """Claims 2-5: an alteration's frequency in HER2-low vs HER2-0 (OR, exact CI / MH across strata)."""
    if inp.tables is None:
        return not_testable(claim, inp.cohort, "no study tables")
    status, why = _alteration_status(claim, inp)
    if status is None:
        return not_testable(claim, inp.cohort, why)
    keep, why = mask(inp, claim.spec.get("where", {}), status.index)
    if keep is None:
        return not_testable(claim, inp.cohort, why)
    strat = claim.spec.get("stratify")
    if strat and not (strat in inp.clinical and inp.clinical[strat].notna().any()):
        return not_testable(claim, inp.cohort, f"no {strat} to stratify by")
    alt = (status == 1).to_numpy(dtype=bool, na_value=False) & keep
    unalt = (status == 0).to_numpy(dtype=bool, na_value=False) & keep
    genes = "/".join(resolve_configured(claim.spec["alteration"]["genes"], claim.id)[0])
    events = " or ".join(EVENT_WORDS[e] for e in claim.spec["alteration"]["events"])
    where = "; ".join(f"{k} {'/'.join(v)}" for k, v in claim.spec.get("where", {}).items())
    out = []
    for rule, z, cats in scenarios(inp):
        cat = cats.reindex(status.index).astype("string")
        low, zero = (
            (cat == "HER2-low").fillna(False).to_numpy(bool),
            (cat == "HER2-0").fillna(False).to_numpy(bool),
        )
        if not (low.any() and zero.any()):
            continue
        t = np.array(
            [[(alt & low).sum(), (alt & zero).sum()], [(unalt & low).sum(), (unalt & zero).sum()]]
        )
        if strat:
            sv = inp.clinical[strat].reindex(status.index).astype("string")
            tables = []
            for level in sorted(sv.dropna().unique()):
                s = (sv == level).fillna(False).to_numpy(bool)
                tables.append(np.array([[(alt & low & s).sum(), (alt & zero & s).sum()],
                                        [(unalt & low & s).sum(), (unalt & zero & s).sum()]]))  # fmt: skip
            est, lo, hi, p, _, _ = mantel_haenszel(tables)
            quantity = f"Mantel-Haenszel OR across {strat} strata"
        else:
            est, lo, hi, p = odds_ratio_exact(t)
            quantity = "OR"
        quantity += f", {genes} {events} in HER2-low vs HER2-0" + (f" ({where})" if where else "")
        n_low, n_zero = int(t[:, 0].sum()), int(t[:, 1].sum())
        f_low = 100 * t[0, 0] / n_low if n_low else np.nan
        f_zero = 100 * t[0, 1] / n_zero if n_zero else np.nan
        detail = f"{f_low:.1f}% of {n_low} HER2-low vs {f_zero:.1f}% of {n_zero} HER2-0"
        if claim.spec.get("published"):
            detail += f" (published: {claim.spec['published']})"
        v = judge(claim, est, lo, hi, p)
        out.append(
            evidence_row(claim, inp.cohort, role=role_of(inp, rule, z), scenario=scenario_text(rule, z), quantity=quantity,
                 estimate=est, ci_low=lo, ci_high=hi, p=p, n=n_low + n_zero, detail=detail,
                 verdict=v.verdict, reason=v.reason)
        )  # fmt: skip
    if not out:
        return not_testable(
            claim, inp.cohort, "HER2-0 and HER2-low cannot be told apart (no IHC scores)"
        )
    return out


def heterogeneity(claim: Claim, inp: CohortInputs) -> list[dict[str, Any]]:
    """Claim 10: tumours with a heterogeneity or focal IHC flag, and whether their pairs switch more."""
    s = inp.samples.get(inp.default_rule)
    if s is None or s.empty:
        return not_testable(claim, inp.cohort, "no HER2 table")
    prim = s["primary_ihc_raw"].astype("string")
    parsed = {v: parse_ihc(v) for v in prim.dropna().unique()}
    pflag = prim.map(lambda v: bool(v in parsed and (parsed[v].heterogeneous or parsed[v].focal)))
    flags = ["ihc_heterogeneous", "ihc_focal", "ish_heterogeneous"]
    seq = s[[f for f in flags if f in s]].astype(str).eq("True").any(axis=1)
    flagged = (seq | pflag.fillna(False).astype(bool)).to_numpy(bool)
    n_flag = int(flagged.sum())
    if n_flag == 0:
        return not_testable(
            claim, inp.cohort, "no IHC or ISH value carries a heterogeneity or focal flag"
        )
    pair = s["sample_type"].astype(str).eq("metastasis").to_numpy(bool)
    cats = [f"{r}: " + ", ".join(f"{c} {n}" for c, n in inp.samples[r].loc[flagged, "her2_category"].value_counts().items())
            for r in inp.samples]  # fmt: skip
    out = []
    for rule, z, cat in scenarios(inp):
        seq_cat = cat.reindex(s.index).astype("string")
        prim_cat = inp.categories[(inp.categories["tissue"] == "primary") & (inp.categories["rule"] == rule)
                                  & (inp.categories["zero_one_plus"] == z)].set_index("sample_id")["her2_category"]  # fmt: skip
        prim_cat = prim_cat.reindex(s.index).astype("string")
        both = (
            pair
            & seq_cat.isin(["HER2-0", "HER2-low"]).fillna(False).to_numpy(bool)
            & prim_cat.isin(["HER2-0", "HER2-low"]).fillna(False).to_numpy(bool)
        )
        switch = (seq_cat != prim_cat).fillna(False).to_numpy(bool)
        t = np.array([[(both & flagged & switch).sum(), (both & flagged & ~switch).sum()],
                      [(both & ~flagged & switch).sum(), (both & ~flagged & ~switch).sum()]])  # fmt: skip
        detail = f"{n_flag} flagged tumours ({'; '.join(cats)}); flagged pairs switching {t[0, 0]} of {t[0].sum()}, others {t[1, 0]} of {t[1].sum()}"
        if t[0].sum() == 0:
            out.append(evidence_row(claim, inp.cohort, role=role_of(inp, rule, z), scenario=scenario_text(rule, z), detail=detail,
                            verdict="not testable", reason="not testable here: no flagged tumour has a primary/metastatic pair"))  # fmt: skip
            continue
        est, lo, hi, p = odds_ratio_exact(t)
        v = judge(claim, est, lo, hi, p)
        out.append(evidence_row(claim, inp.cohort, role=role_of(inp, rule, z), scenario=scenario_text(rule, z),
                        quantity="OR of switching HER2-0 <-> HER2-low, flagged vs other pairs", estimate=est,
                        ci_low=lo, ci_high=hi, p=p, n=int(t.sum()), detail=detail, verdict=v.verdict, reason=v.reason))  # fmt: skip
    return out
