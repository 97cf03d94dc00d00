"""The evidence table: every testable claim of the literature, checked on every cohort that can test it.

Claims are registered in ``config/claims.yaml`` (schema ``claims.schema.yaml``): a quote, its source,
the quantity (``kind``) and a verdict rule fixed before the data are seen. Each cohort yields one
row per claim and scenario -- ``primary`` (the default rule set, or the survival claim's primary
fit), ``sensitivity`` (the other rule set x 0-1+ assignments), ``naive contrast`` -- or one row
"not testable here: <reason>".

=============  =====================================================================================
``registry``   loading and validating the registry; each rule in words
``verdicts``   the verdict rules (majority, direction, similar, range, arithmetic) on numbers
``compute``    the quantities per claim kind, from a cohort's results (:class:`CohortInputs`)
=============  =====================================================================================
"""

from her2cohort.evidence.compute import (
    EVIDENCE_COLUMNS,
    CohortInputs,
    evaluate_cohort,
    evaluate_published,
)
from her2cohort.evidence.registry import Claim, load_claims, rule_text

__all__ = [
    "EVIDENCE_COLUMNS",
    "Claim",
    "CohortInputs",
    "evaluate_cohort",
    "evaluate_published",
    "load_claims",
    "rule_text",
]
