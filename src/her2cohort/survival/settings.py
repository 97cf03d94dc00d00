"""Survival settings: the cohort's ``survival:`` block, its analyses and their HER2 variants.

Also the conventions every fit shares: the confidence level, the truncation labels and the
chi-square / normal p-values.

The ``survival:`` block is read from a cohort file validated by :func:`her2cohort.config.validate`,
which fills the defaults declared in ``cohort.schema.yaml``; nothing here repeats a default except
the field defaults of :class:`Settings` (for building one by hand; a test keeps them equal to the
schema's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri

from her2cohort import terms
from her2cohort.errors import DataError

CONF_LEVEL = 0.95
#: the normal quantile of two-sided :data:`CONF_LEVEL` intervals
Z = float(ndtri(1 - (1 - CONF_LEVEL) / 2))
#: ``none``: naive, at risk from diagnosis; ``left``: left-truncated, at risk from first sequencing
TRUNCATIONS = ("none", "left")
#: ``os``: death of any cause; ``dss``: death of the disease (deaths of other causes compete)
ENDPOINTS = ("os", "dss")
#: the group labels of an alteration group (patient level)
WILD_TYPE, ALTERED = "wild-type", "altered"
#: the ``where`` key that restricts an analysis to HER2 categories (not a clinical column)
HER2_WHERE = "her2_category"


def chi2_sf(x: Any, df: Any) -> Any:
    """Upper tail of the chi-square distribution.

    Parameters
    ----------
    x, df
        Statistic(s) and degrees of freedom (scalars or arrays).

    Returns
    -------
    float or numpy.ndarray
        ``P(X > x)``; computed with :mod:`scipy.special` to avoid the import cost of scipy.stats.
    """
    return chdtrc(df, x)


def norm_p(z: Any) -> Any:
    """Two-sided normal p-value of z-statistic(s) ``z``."""
    return 2 * ndtr(-np.abs(z))


@dataclass(frozen=True)
class Settings:
    """The cohort-level ``survival:`` settings (defaults as in ``cohort.schema.yaml``)."""

    left_truncation: bool = False
    time_decimals: int = 2
    km_times: tuple[float, ...] = (12.0, 24.0, 60.0)
    concordance_tau: float | None = 120.0
    plot_max_months: float | None = None
    plot_step_months: float = 24.0
    rmst_taus: tuple[float, ...] = (60.0, 120.0)
    period_cuts: tuple[float, ...] = (60.0, 120.0)
    ph_alpha: float = 0.05

    @property
    def truncations(self) -> tuple[str, ...]:
        """The fits made: naive, and left-truncated when ``left_truncation`` is set."""
        return TRUNCATIONS if self.left_truncation else ("none",)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain values (a workflow rule's params, which Snakemake tracks)."""
        return asdict(self)

    @classmethod
    def of(cls, value: Settings | Mapping[str, Any]) -> Settings:
        """``value`` itself, or the settings its :meth:`as_dict` mapping describes."""
        return value if isinstance(value, Settings) else cls(**value)


@dataclass(frozen=True)
class Analysis:
    """One configured analysis (after sensitivity expansion)."""

    name: str
    title: str
    group_source: str  # "her2", "alteration" or a clinical column
    levels: tuple[str, ...]  # first level = reference
    numeric: tuple[str, ...] = ()
    categorical: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # first = reference
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    comparisons: tuple[tuple[str, str], ...] = ()  # (reduced, full)
    her2_rule: str | None = None
    her2_zero_one: str | None = None
    her2_tissue: str = "primary"
    sensitivity_of: str | None = None
    endpoint: str = "os"
    alteration: str | None = None  # the alteration row of an alteration group

    @property
    def uses_her2(self) -> bool:
        """Whether the analysis reads HER2 categories (its group, or a HER2 restriction)."""
        return self.group_source == "her2" or HER2_WHERE in self.where

    @property
    def covariates(self) -> tuple[str, ...]:
        """Model covariates: categorical first, then numeric (the analysis table's order)."""
        return tuple(self.categorical) + self.numeric

    @property
    def references(self) -> dict[str, str]:
        """Reference level of each categorical model term."""
        return {"group": self.levels[0], **{k: v[0] for k, v in self.categorical.items()}}

    def as_dict(self) -> dict[str, Any]:
        """The analysis as plain values (a workflow rule's params, which Snakemake tracks)."""
        return asdict(self)

    @classmethod
    def of(cls, value: Analysis | Mapping[str, Any]) -> Analysis:
        """``value`` itself, or the analysis its :meth:`as_dict` mapping describes."""
        return value if isinstance(value, Analysis) else cls(**value)


def settings_from_config(cfg: Mapping[str, Any]) -> Settings:
    """The :class:`Settings` of a validated ``survival:`` block (schema defaults filled).

    Parameters
    ----------
    cfg
        The cohort's ``survival:`` mapping after :func:`her2cohort.config.validate`.

    Returns
    -------
    Settings
    """
    return Settings(
        left_truncation=bool(cfg["left_truncation"]),
        time_decimals=int(cfg["time_decimals"]),
        km_times=tuple(float(t) for t in cfg["km_times"]),
        # as written in the file: an integer tau stays an integer in models.tsv (uno_tau)
        concordance_tau=cfg["concordance_tau"],
        plot_max_months=cfg["plot_max_months"],
        plot_step_months=float(cfg["plot_step_months"]),
        rmst_taus=tuple(float(t) for t in cfg["rmst_taus"]),
        period_cuts=tuple(sorted(float(t) for t in cfg["period_cuts"])),
        ph_alpha=float(cfg["ph_alpha"]),
    )


def _check_models(
    name: str,
    models: Mapping[str, tuple[str, ...]],
    known: set[str],
    comparisons: tuple[tuple[str, str], ...],
) -> None:
    for mname, model_terms in models.items():
        bad = [t for t in model_terms if t not in known]
        if bad:
            raise DataError(
                f"survival analysis {name}: model {mname} uses undeclared term(s) {', '.join(bad)}"
            )
    for red, full in comparisons:
        if red not in models or full not in models:
            raise DataError(
                f"survival analysis {name}: comparison {red} vs {full} names an unknown model"
            )
        if not set(models[red]) < set(models[full]):
            raise DataError(f"survival analysis {name}: model {red} is not nested in {full}")


def _analysis(
    name: str,
    spec: Mapping[str, Any],
    her2: Mapping[str, Any],
    override: Mapping[str, Any] | None = None,
    parent: str | None = None,
) -> Analysis:
    group = spec["group"]
    covs = spec["covariates"]
    numeric = tuple(k for k, v in covs.items() if v == "numeric")
    categorical = {k: tuple(str(x) for x in v) for k, v in covs.items() if v != "numeric"}
    models = {k: tuple(v) for k, v in spec["models"].items()}
    comparisons = tuple((c["reduced"], c["full"]) for c in spec["comparisons"])
    _check_models(name, models, {"group", *numeric, *categorical}, comparisons)
    kw: dict[str, Any]
    if "her2" in group:
        kw = {"group_source": "her2"}
    elif "alteration" in group:
        kw = {"group_source": "alteration", "alteration": group["alteration"]}
        _check_alteration_levels(name, spec["levels"])
    else:
        kw = {"group_source": group["column"]}
    if "her2" in group and "her2" in spec:
        raise DataError(f"survival analysis {name}: `her2` is for analyses not grouped by HER2")
    if "her2" in group or HER2_WHERE in spec["where"]:
        h = {"tissue": "primary", **group.get("her2", spec.get("her2", {})), **(override or {})}
        rule = h.get("rule", her2["default_rule"])
        kw |= {
            "her2_rule": rule,
            "her2_zero_one": h.get("zero_one_plus", terms.zero_one_for(her2, rule)),
            "her2_tissue": h["tissue"],
        }
    title = spec.get("title", name)
    if override:
        title = f"{title} [{kw['her2_rule']}, 0-1+ {kw['her2_zero_one']}]"
    return Analysis(
        name=name,
        title=title,
        levels=tuple(str(x) for x in spec["levels"]),
        numeric=numeric,
        categorical=categorical,
        where={k: tuple(str(x) for x in v) for k, v in spec["where"].items()},
        models=models,
        comparisons=comparisons,
        sensitivity_of=parent,
        endpoint=spec["endpoint"],
        **kw,
    )


def _check_alteration_levels(name: str, levels: list[str]) -> None:
    bad = [lev for lev in levels if lev not in (WILD_TYPE, ALTERED)]
    if bad:
        raise DataError(
            f"survival analysis {name}: an alteration group's levels are {WILD_TYPE} and "
            f"{ALTERED}, not {', '.join(map(str, bad))}"
        )


def expand_analyses(
    survival_cfg: Mapping[str, Any] | None, her2_cfg: Mapping[str, Any]
) -> dict[str, Analysis]:
    """Configured analyses plus their HER2 sensitivity variants (``<name>__<rule>_<0-1+>``).

    Parameters
    ----------
    survival_cfg
        A cohort's validated ``survival:`` block (None or no ``analyses``: no analyses).
    her2_cfg
        The validated ``her2:`` block of the pipeline configuration: a HER2 group without its own
        rule uses ``default_rule``, without its own 0-1+ assignment the rule's
        (:func:`her2cohort.terms.zero_one_for`).

    Returns
    -------
    dict of str to Analysis
        By analysis name, each main analysis followed by its variants; a variant equal to its main
        analysis is left out.

    Raises
    ------
    DataError
        A model uses an undeclared term, a comparison is not between nested configured models, or
        a non-HER2 analysis has sensitivity variants.
    """
    out: dict[str, Analysis] = {}
    for name, spec in ((survival_cfg or {}).get("analyses") or {}).items():
        main = _analysis(name, spec, her2_cfg)
        out[name] = main
        for var in spec["sensitivity"]:
            if not main.uses_her2:
                raise DataError(
                    f"survival analysis {name}: sensitivity variants need a HER2 group or a "
                    f"`where: {{{HER2_WHERE}: [...]}}` restriction"
                )
            sub = _analysis(name, spec, her2_cfg, var, parent=name)
            if (sub.her2_rule, sub.her2_zero_one) == (main.her2_rule, main.her2_zero_one):
                continue  # the variant is the main analysis itself
            sub_name = f"{name}__{sub.her2_rule}_{sub.her2_zero_one}"
            out[sub_name] = replace(sub, name=sub_name)
    return out


def alteration_ids(path: str) -> set[str]:
    """The ids of the alteration rows in ``path`` (``config/alterations.yaml``), unvalidated: the
    alteration stage validates the file itself."""
    from her2cohort.config import load_yaml

    rows = (load_yaml(path) or {}).get("alterations") or []
    return {str(r["id"]) for r in rows if isinstance(r, Mapping) and "id" in r}


def check_survival_config(
    cohort: Mapping[str, Any], her2_cfg: Mapping[str, Any], alterations: set[str]
) -> None:
    """What the cohort schema cannot check in a ``survival:`` block, as one-line errors naming
    the cohort file.

    Parameters
    ----------
    cohort
        A loaded cohort (:func:`her2cohort.config.load_cohort`: ``path``, the field maps and the
        validated ``survival`` block).
    her2_cfg
        The pipeline's ``her2:`` block.
    alterations
        The configured alteration ids (:func:`alteration_ids`).

    Raises
    ------
    DataError
        A ``dss`` analysis in a cohort without ``patient_fields.vital_status``; an alteration group
        naming an unknown alteration; a claim naming an unknown analysis or model, a group or term
        the analysis does not have, or an RMST horizon ``tau`` not in ``rmst_taus``.
    """
    path, block = cohort.get("path", cohort.get("name")), cohort.get("survival") or {}
    fields = cohort.get("patient_fields") or {}
    try:
        analyses = expand_analyses(block, her2_cfg)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    for a in analyses.values():
        if a.endpoint == "dss" and "vital_status" not in fields:
            raise DataError(
                f"{path}: survival analysis {a.name} has endpoint dss, which needs the cause of "
                "death: patient_fields.vital_status is not mapped"
            )
        if a.alteration is not None and a.alteration not in alterations:
            raise DataError(
                f"{path}: survival analysis {a.name}: alteration {a.alteration} is not a row of "
                "the alterations file"
            )
    taus = [float(t) for t in block.get("rmst_taus", [])]
    for cid, claim in (block.get("claims") or {}).items():
        _check_claim(f"{path}: claim {cid}", claim, analyses, taus)


def _check_claim(
    where: str, claim: Mapping[str, Any], analyses: Mapping[str, Analysis], taus: list[float]
) -> None:
    a = analyses.get(claim["analysis"])
    if a is None:
        raise DataError(f"{where}: analysis {claim['analysis']} is not configured")
    if claim["model"] not in a.models:
        raise DataError(f"{where}: model {claim['model']} is not a model of {a.name}")
    rule = claim["rule"]
    if rule["kind"] == "worst_group" and rule["group"] not in a.levels:
        raise DataError(f"{where}: group {rule['group']} is not a level of {a.name}")
    if "term" in rule:
        var, _, level = str(rule["term"]).partition(":")
        levels = a.levels if var == "group" else a.categorical.get(var, ())
        if var not in a.models[claim["model"]] or (levels and level not in levels[1:]):
            raise DataError(
                f"{where}: term {rule['term']} is not a coefficient of model {claim['model']} "
                f"(a variable of the model, a level other than the reference)"
            )
    if "tau" in claim and float(claim["tau"]) not in taus:
        raise DataError(f"{where}: tau {claim['tau']:g} is not one of rmst_taus {taus}")
