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
    group_source: str  # "her2" or a clinical column
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
        h = {**group["her2"], **(override or {})}
        rule = h.get("rule", her2["default_rule"])
        kw = {
            "group_source": "her2",
            "her2_rule": rule,
            "her2_zero_one": h.get("zero_one_plus", terms.zero_one_for(her2, rule)),
            "her2_tissue": h["tissue"],
        }
    else:
        kw = {"group_source": group["column"]}
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
        **kw,
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
            if main.group_source != "her2":
                raise DataError(f"survival analysis {name}: sensitivity variants need a HER2 group")
            sub = _analysis(name, spec, her2_cfg, var, parent=name)
            if (sub.her2_rule, sub.her2_zero_one) == (main.her2_rule, main.her2_zero_one):
                continue  # the variant is the main analysis itself
            sub_name = f"{name}__{sub.her2_rule}_{sub.her2_zero_one}"
            out[sub_name] = replace(sub, name=sub_name)
    return out
