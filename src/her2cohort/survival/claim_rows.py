"""The claims table: every configured claim judged on its analysis' tables, one row per role.

Roles (column ``role``; ``primary`` is True on the primary row only):

* ``primary``: the claim's truncation (``left`` if fitted, else ``none``, unless the claim names
  one); it carries the verdict. When the claim's model fails the PH test there and the rule can be
  read on RMST (a ``difference`` on a group term, ``worst_group``), the primary row is the RMST
  estimate and a row ``HR for reference`` keeps the (average) HR, unjudged.
* ``naive contrast``: the naive fit of a left-truncated cohort, biased by delayed entry (patients
  enter at sequencing): its estimate is shown, never judged. (``truncation contrast``: the
  left-truncated fit when a claim is decided on the naive one; shown, not judged.)
* ``sensitivity``: the same claim on each HER2 sensitivity variant of the analysis (rule set x
  0-1+ assignment), the primary truncation: the estimate and the verdict the rule would give.

:mod:`.claims` holds the rules; this module picks their estimates from the ``cox``,
``contrasts``, ``lrt``, ``models``, ``km``, ``ph_test`` and ``rmst`` tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from her2cohort.errors import DataError
from her2cohort.survival.claims import (
    CLAIM_COLUMNS,
    is_number,
    verdict_difference,
    verdict_no_added_value,
    verdict_rmst_difference,
    verdict_worst_group,
    verdict_worst_group_rmst,
)
from her2cohort.survival.claims import rule_text as rule_words
from her2cohort.survival.nonph import PH_METHOD
from her2cohort.survival.settings import Analysis, Settings

#: the tables of an analysis the claims on it read (``survival/{analysis}/<name>.tsv``)
CLAIM_TABLES = ("cox", "contrasts", "lrt", "models", "km", "ph_test", "rmst")
NOT_JUDGED = {
    "naive contrast": "naive fit biased by delayed entry (patients enter the cohort at first "
    "sequencing), shown for contrast",
    "truncation contrast": "the claim is decided on the naive fit; the left-truncated one is "
    "shown for contrast",
}
RMST_TEST = "RMST difference (normal, independent groups)"
TRUNCATION_ROLE = {"none": "naive", "left": "truncation"}


def _select(t: Mapping[str, pd.DataFrame], kind: str, **keys: Any) -> pd.DataFrame:
    table = t.get(kind)
    if table is None or not len(table):
        return pd.DataFrame()
    mask = np.ones(len(table), dtype=bool)
    for col, value in keys.items():
        mask &= (table[col] == value).to_numpy(bool)
    return table[mask]


def ph_p(t: Mapping[str, pd.DataFrame], model: str, truncation: str, term: str = "GLOBAL") -> float:
    """The model's cox.zph p of a term (default GLOBAL) in a truncation (NaN if not tested)."""
    ph = _select(t, "ph_test", model=model, truncation=truncation, term=term)
    if ph.empty:
        return float("nan")
    row = ph[ph["method"].astype(str).str.startswith(PH_METHOD)]
    return float(row["p"].iloc[0]) if len(row) else float("nan")


def group_size(t: Mapping[str, pd.DataFrame], truncation: str, group: str, deaths: str) -> str:
    """``'22 Basal patients, 11 deaths'`` from the km table ('' if not given)."""
    row = _select(t, "km", truncation=truncation, group=group)
    if row.empty:
        return ""
    n, d = int(row["n"].iloc[0]), int(row["events"].iloc[0])
    death = deaths.replace("deaths", "death", 1) if d == 1 else deaths
    return f"{n} {group} patient{'' if n == 1 else 's'}, {d} {death}"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class Context:
    """What judging a claim needs besides its tables: the rule and model, the RMST horizon and the
    PH level, the analysis' reference level and what its deaths are called."""

    claim_id: str
    rule: Mapping[str, Any]
    model: str
    tau: float
    ph_alpha: float
    reference: str | None
    deaths: str

    @property
    def alpha(self) -> float:
        """The rule's significance level."""
        return float(self.rule["alpha"])

    @classmethod
    def of(
        cls, claim_id: str, claim: Mapping[str, Any], settings: Settings, analysis: Analysis | None
    ) -> Context:
        """The context of a claim on ``analysis`` (None: reference and endpoint unknown)."""
        dss = analysis is not None and analysis.endpoint == "dss"
        return cls(
            claim_id=claim_id,
            rule=claim["rule"],
            model=claim["model"],
            tau=float(claim.get("tau", settings.rmst_taus[0])),
            ph_alpha=settings.ph_alpha,
            reference=analysis.levels[0] if analysis is not None else None,
            deaths="deaths of the disease" if dss else "deaths",
        )


def hr_judgement(ctx: Context, trunc: str, t: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The estimate, test and verdict columns of a claim on the Cox fit (HR / LR test)."""
    rule, model = ctx.rule, ctx.model
    kind, margin = rule["kind"], [float(x) for x in rule["equivalence"]]
    if kind == "worst_group":
        con = _select(t, "contrasts", model=model, truncation=trunc)
        verdict, why, row = verdict_worst_group(con, rule["group"], ctx.alpha, ctx.reference)
        return {
            "estimate_of": f"HR {row['group']} vs {row['versus']}",
            **{k: row[k] for k in ("ci_low", "ci_high", "p")},
            "estimate": row["hr"],
            "test": "Wald (contrast)",
            "verdict": verdict,
            "reason": _join(why, group_size(t, trunc, rule["group"], ctx.deaths)),
        }
    if kind not in ("difference", "no_added_value"):
        raise DataError(f"claim {ctx.claim_id}: unknown rule kind {kind!r}")
    r = _select(t, "cox", model=model, truncation=trunc, term=rule["term"])
    level = rule["term"].partition(":")[2] if rule["term"].startswith("group:") else ""
    size = group_size(t, trunc, level, ctx.deaths) if level else ""
    if r.empty:  # a level without patients in the fit has no dummy
        why = f"no {rule['term']} in model {model}: no patient of that level in the fit"
        return {"estimate_of": f"HR {rule['term']}", "verdict": "not testable", "reason": why}
    r = r.iloc[0]
    out = {"estimate_of": f"HR {rule['term']}", "estimate": r["hr"]}
    out |= {"ci_low": r["ci_low"], "ci_high": r["ci_high"]}
    if kind == "difference" and not is_number(r["hr"]):
        why = _join("HR not estimable (a level without deaths)", size)
        return {**out, "p": r["p"], "test": "Wald", "verdict": "not testable", "reason": why}
    if kind == "difference":
        direction = rule.get("direction", "two-sided")
        v = verdict_difference(
            r["hr"], r["ci_low"], r["ci_high"], r["p"], ctx.alpha, margin, direction
        )
        return {
            **out,
            "p": r["p"],
            "test": "Wald",
            "verdict": v.verdict,
            "reason": _join(v.reason, size),
        }
    red, full = rule["comparison"]
    lr = _select(t, "lrt", reduced=red, full=full, truncation=trunc)
    if lr.empty:
        raise DataError(f"claim {ctx.claim_id}: no LR test {red} vs {full} configured")
    lr_p = float(lr["p"].iloc[0])
    v = verdict_no_added_value(lr_p, r["ci_low"], r["ci_high"], ctx.alpha, margin)
    test = f"likelihood ratio ({red} vs {full})"
    return {**out, "p": lr_p, "test": test, "verdict": v.verdict, "reason": v.reason}


def rmst_judgement(
    ctx: Context, trunc: str, t: Mapping[str, pd.DataFrame]
) -> dict[str, Any] | None:
    """The columns of a claim decided on RMST to ``tau``; None where the rule has no RMST reading
    (``no_added_value``, a term that is not a group level) or no ``rmst`` table is given."""
    rule = ctx.rule
    rows = _select(t, "rmst", truncation=trunc, tau=ctx.tau)
    term = str(rule.get("term", ""))
    if rows.empty or rule["kind"] == "no_added_value":
        return None
    if rule["kind"] == "difference" and not term.startswith("group:"):
        return None
    what = f"to {ctx.tau:g} months"
    if rule["kind"] == "worst_group":
        group = rule["group"]
        verdict, why, row = verdict_worst_group_rmst(rows, group, ctx.alpha, ctx.reference)
        versus = row.get("versus", "")
        out = {"estimate_of": f"RMST difference {group} vs {versus} {what}"}
        out |= {k: row.get(k, np.nan) for k in ("ci_low", "ci_high", "p")}
        size = group_size(t, trunc, group, ctx.deaths)
        reason = _join(why, size)
        return {
            **out,
            "estimate": row.get("difference", np.nan),
            "test": RMST_TEST,
            "verdict": verdict,
            "reason": reason,
        }
    level = term.partition(":")[2]
    r = rows[rows["group"] == level]
    if r.empty:
        return None
    r = r.iloc[0]
    size = group_size(t, trunc, level, ctx.deaths)
    out = {
        "estimate_of": f"RMST difference {level} vs {r['versus']} {what}",
        "estimate": r["difference"],
    }
    out |= {"ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"], "test": RMST_TEST}
    if not np.isfinite(float(r["difference"])):
        return {**out, "verdict": "not testable", "reason": f"RMST not estimable: {r['note']}"}
    if not (float(r["se"]) > 0 and float(r["se_ref"]) > 0):
        flat = level if not float(r["se"]) > 0 else str(r["versus"])
        why = f"no death before {ctx.tau:g} months among {flat}: its RMST has no standard error"
        return {**out, "verdict": "not testable", "reason": _join(why, size)}
    margin = [float(x) for x in rule["rmst_equivalence"]]
    direction = rule.get("direction", "two-sided")
    v = verdict_rmst_difference(
        r["difference"], r["ci_low"], r["ci_high"], r["p"], ctx.alpha, margin, direction
    )
    return {**out, "verdict": v.verdict, "reason": _join(v.reason, size)}


def judge(ctx: Context, trunc: str, t: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """A claim's deciding row in one truncation (RMST when the model fails the PH test and the
    rule has an RMST reading), then the unjudged HR row kept for reference in that case."""
    p = ph_p(t, ctx.model, trunc)
    hr = {**hr_judgement(ctx, trunc, t), "ph_global_p": p}
    if not p < ctx.ph_alpha or hr["verdict"] == "not testable":
        return [hr]  # a not-estimable coefficient makes the PH test meaningless too
    group_p = ph_p(t, ctx.model, trunc, "group")
    own = f"; group term p = {group_p:.2g}" if is_number(group_p) else ""
    fails = f"the model fails the PH test (cox.zph global p = {p:.2g} < {ctx.ph_alpha:g}{own})"
    rmst = rmst_judgement(ctx, trunc, t)
    if rmst is None:
        if ctx.rule["kind"] == "no_added_value":
            note = "the LR test compares the nested fits; the HR is an average over follow-up (periods.tsv)"
        else:
            note = (
                "no RMST reading for this term: the HR is an average over follow-up (periods.tsv)"
            )
        return [{**hr, "reason": _join(hr["reason"], f"{fails}: {note}")}]
    reference = {
        **hr,
        "verdict": "not judged",
        "reason": f"{fails}: the average HR is shown for reference; the verdict is on RMST",
        "role": "HR for reference",
    }
    return [
        {**rmst, "ph_global_p": p, "reason": _join(rmst["reason"], f"{fails}: decided on RMST")},
        reference,
    ]


def _not_fitted(models: pd.DataFrame | None, model: str, truncation: str) -> str:
    """The reason a model was not fitted ('' if it was, or if the models table is not given)."""
    if models is None or not len(models):
        return ""
    row = models[(models["model"] == model) & (models["truncation"] == truncation)]
    notes = str(row["notes"].iloc[0]) if len(row) and pd.notna(row["notes"].iloc[0]) else ""
    return notes if notes.startswith("not fitted") else ""


def role_rows(
    ctx: Context, base: Mapping[str, Any], trunc: str, role: str, t: Mapping[str, pd.DataFrame]
) -> list[dict[str, Any]]:
    """The rows of one role: judged (primary, sensitivity) or shown unjudged (contrasts)."""
    head = {**base, "truncation": trunc, "role": role, "primary": role == "primary"}
    size = _select(t, "models", model=ctx.model, truncation=trunc)
    if len(size):  # the patients and deaths of the fit
        head |= {"n": int(size["n"].iloc[0]), "events": int(size["events"].iloc[0])}
    unfitted = _not_fitted(t.get("models"), ctx.model, trunc)
    if unfitted:
        return [{**head, "verdict": "not testable", "reason": unfitted}]
    rows = [{**head, **row} for row in judge(ctx, trunc, t)]
    rows[0] |= {"role": role, "primary": role == "primary"}
    for row in rows[1:]:
        row["primary"] = False
    if role in NOT_JUDGED:
        rows[0] |= {"verdict": "not judged", "reason": NOT_JUDGED[role]}
    return rows if role == "primary" else rows[:1]


def evaluate_claim(
    claim_id: str,
    claim: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    settings: Settings,
    analyses: Mapping[str, Analysis] | None = None,
) -> list[dict[str, Any]]:
    """A claim's rows: each truncation of its analysis, then its sensitivity variants.

    Parameters
    ----------
    claim_id, claim
        The claim's id and its validated configuration (``rule`` with its defaults filled).
    tables
        ``tables[analysis]``: that analysis' ``cox``, ``contrasts``, ``lrt`` and ``models`` tables,
        and where given ``km`` (group sizes), ``ph_test`` and ``rmst`` (the PH rule). A model noted
        "not fitted" gives the verdict "not testable" with that reason.
    settings
        The cohort's settings: truncations, ``rmst_taus`` (the default ``tau``), ``ph_alpha``.
    analyses
        The analyses by name (reference levels, endpoints, sensitivity variants); without them
        worst-group claims report their deciding contrast and no sensitivity row is made.

    Returns
    -------
    list of dict
        Rows of the ``claims`` table (:data:`~her2cohort.survival.claims.CLAIM_COLUMNS`).
    """
    name, analyses = claim["analysis"], analyses or {}
    if name not in tables:
        raise DataError(f"claim {claim_id}: analysis {name} is not configured")
    truncs = settings.truncations
    primary = claim.get("truncation", "left" if "left" in truncs else "none")
    ctx = Context.of(claim_id, claim, settings, analyses.get(name))
    base = {
        "claim_id": claim_id,
        "claim": claim["claim"],
        "analysis": name,
        "model": claim["model"],
    }
    base |= {
        "rule": rule_words(claim["rule"], ctx.tau, ctx.ph_alpha),
        "caveat": claim.get("caveat"),
    }
    rows = []
    for trunc in truncs:
        role = "primary" if trunc == primary else f"{TRUNCATION_ROLE[trunc]} contrast"
        rows += role_rows(ctx, base, trunc, role, tables[name])
    for variant in (a for a in analyses.values() if a.sensitivity_of == name and a.name in tables):
        vctx = Context.of(claim_id, claim, settings, variant)
        vbase = {**base, "analysis": variant.name}
        rows += role_rows(vctx, vbase, primary, "sensitivity", tables[variant.name])
    return rows


def claims_table(
    claims_cfg: Mapping[str, Any] | None,
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    settings: Settings | Mapping[str, Any],
    analyses: Mapping[str, Analysis | Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Every configured claim's rows (:func:`evaluate_claim`) as the ``claims`` table."""
    settings = Settings.of(settings)
    known = {k: Analysis.of(v) for k, v in (analyses or {}).items()}
    rows: list[dict[str, Any]] = []
    for cid, claim in (claims_cfg or {}).items():
        rows += evaluate_claim(cid, claim, tables, settings, known)
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claim_analyses(claims_cfg: Mapping[str, Any] | None) -> list[str]:
    """The analyses the configured claims rest on (sorted)."""
    return sorted({c["analysis"] for c in (claims_cfg or {}).values()})
