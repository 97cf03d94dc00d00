"""The report's one-page summary and provenance section, filled from results.

``workflow/report/summary.rst`` and ``provenance.rst`` are Jinja2 templates of reStructuredText;
this module collects the numbers they show and renders them to HTML with docutils, so the summary
says exactly what the result files say.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from docutils.core import publish_parts

from her2cohort.harmonize.audit import derivation_notes
from her2cohort.headline import (
    evidence_rows,
    headline,
    thumbnail,
    zero_one_sentence,
    zero_one_table,
)
from her2cohort.io import read_tsv

HTML_STYLE = """
<style>
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 14px;
       max-width: 1100px; margin: 1em auto; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em 0; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td p, th p { margin: 0; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.4em; } h3 { font-size: 1.05em; }
code, tt { background: #f5f5f5; padding: 0 2px; }
</style>
"""


def config_hash(config: dict[str, Any], cohort_files: list[str | Path]) -> str:
    """SHA-256 of the configuration (as JSON) and the text of every cohort file."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    for path in sorted(str(p) for p in cohort_files):
        h.update(Path(path).read_bytes())
    return h.hexdigest()


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return "NA"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _rst_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A reStructuredText list-table of a frame (values formatted, pipes escaped)."""
    if frame.empty:
        return "*(none)*\n"
    lines = [".. list-table::", "   :header-rows: 1", ""]
    cells = [list(frame.columns)] + [
        [_fmt(v, digits) for v in row] for row in frame.itertuples(index=False)
    ]
    for row in cells:
        lines.append("   * - " + str(row[0]).replace("|", "/").replace("*", "\\*"))
        for cell in row[1:]:
            lines.append("     - " + (str(cell).replace("|", "/").replace("*", "\\*") or ".."))
    return "\n".join(lines) + "\n"


#: the published-comparison columns the summary shows (those present)
REPLICATION_COLUMNS = [
    "alteration",
    "n_her2_low",
    "n_evaluable",
    "published_n_her2_low",
    "published_n_evaluable",
    "match",
    "differs_by",
    "printed_pct_check",
]


def input_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One provenance row from a manifest input record, a file (folder, datahub) or an API
    request (endpoint, its parameters and the response's bytes)."""
    if "path" in record:
        name = Path(str(record["path"])).name
    else:
        params = record.get("params") or {}
        query = ", ".join(f"{k}={v}" for k, v in params.items())
        name = f"API {record.get('endpoint', '?')}" + (f" ({query})" if query else "")
    return {
        "name": name,
        "bytes": record.get("size", record.get("bytes", "")),
        "rows": record.get("rows", ""),
        "sha256": record.get("sha256", ""),
    }


def cohort_summary(
    cohort: str,
    label: str,
    files: dict[str, Any],
    default_rule: str,
    her2_notes: list[str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The numbers the summary shows for one cohort; `files` maps names to result paths;
    `titles` maps analysis ids to their titles (a reader sees titles, never ids)."""
    manifest = json.loads(Path(files["manifest"]).read_text())
    out: dict[str, Any] = {
        "name": cohort,
        "label": label,
        "study_id": manifest["study_id"],
        "source": manifest["source"],
        "imported_at": manifest.get("imported_at", "unknown"),
        "n_samples": manifest["n_samples"],
        "n_patients": manifest["n_patients"],
        "notes": manifest.get("notes", []),
        "her2_notes": her2_notes or [],
        # filled by summary_context (empty when a caller builds one cohort's summary alone)
        "headline": [],
        "thumbnails": [],
        "tables": [],
        "zero_one_table": "",
        "zero_one_sentence": "",
        "survival_sentence": "",
    }
    her2 = read_tsv(files["her2_summary"])
    her2["count"] = her2["n"].astype(str)
    wide = her2.pivot_table(
        index=["rule", "zero_one_plus"], columns="her2_category", values="n", aggfunc="sum"
    )
    out["her2_table"] = _rst_table(wide.reset_index())
    comp = read_tsv(files["published"])
    published_cols = [c for c in ("published_n_her2_low", "published_printed_pct") if c in comp]
    with_value = (
        comp[published_cols].notna().any(axis=1) if published_cols else comp["match"].notna()
    )
    has = comp[with_value.to_numpy(bool) & comp["match"].astype(str).str.match(r"(yes|no)\b")]
    out["replication"] = f"{int(has['match'].str.startswith('yes').sum())} / {len(has)}"
    out["replication_total"] = len(has)
    out["replication_yes"] = int(has["match"].str.startswith("yes").sum())
    differs = has[~has["match"].str.startswith("yes")]
    out["replication_differs"] = ", ".join(
        f"{r.alteration} differs ({getattr(r, 'differs_by', '')})" for r in differs.itertuples()
    )
    out["replication_table"] = (
        "*(no published values for this study)*\n"
        if has.empty
        else _rst_table(has[[c for c in REPLICATION_COLUMNS if c in has]])
    )
    table = read_tsv(files["enrichment"])
    computed = table[table["status"].astype(str).str.startswith("computed")]
    out["n_alterations"] = len(table)
    out["n_computed"] = len(computed)
    sig = computed[computed["bh_q"].astype(float) < 0.05]
    out["significant"] = [
        f"{r.alteration} (OR {r.odds_ratio:.2f})" for r in sig.sort_values("bh_q").itertuples()
    ]
    out["not_computed"] = _rst_table(
        table.loc[~table.index.isin(computed.index), ["alteration", "n_altered", "status"]]
    )
    head = computed.sort_values("fisher_p").head(6)
    head = head.assign(
        pct=head["pct_her2_low"].round(1),
        baseline=head["pct_her2_low_unaltered"].round(1),
    )
    out["enrichment_table"] = _rst_table(
        head[
            [
                "alteration",
                "n_her2_low",
                "n_evaluable",
                "pct",
                "baseline",
                "odds_ratio",
                "or_ci_low",
                "or_ci_high",
                "bh_q",
                "mh_odds_ratio",
                "mh_p",
            ]
        ]
    )
    out["default_rule"] = default_rule
    warnings = read_tsv(files["clinical_warnings"])
    rows = [
        {"source": "clinical vocabulary", "item": f"{w.field} = {w.value!r}", "count": int(w.count)}
        for w in warnings.itertuples()
    ]
    if files.get("survival_warnings") and Path(files["survival_warnings"]).is_file():
        sw = read_tsv(files["survival_warnings"])
        # counted data problems only: the 'start' rows are population sizes, zero counts are noise
        info = sw["action"].astype(str).str.match(r"^(start|analysed|kept \(\d+ deaths\)$)")
        sw = sw[(sw["count"] > 0) & ~info & ~sw["analysis"].astype(str).str.contains("__")]
        for w in sw.itertuples():
            rows.append(
                {
                    "source": f"survival ({(titles or {}).get(str(w.analysis), w.analysis)})",
                    "item": f"{w.check}: {w.action}",
                    "count": int(w.count),
                }
            )
    out["warnings_table"] = _rst_table(pd.DataFrame(rows, columns=["source", "item", "count"]))
    claims = files.get("claims")
    if claims and Path(claims).is_file():
        cl = survival_claim_rows(read_tsv(claims), titles or {})
        out["claims_table"] = _rst_table(cl)
        out["survival_sentence"] = survival_sentence(cl)
    elif not files.get("survival_warnings"):
        out["claims_table"] = (
            "*(no* ``survival:`` *block in the cohort file: no survival analysis was run)*\n"
        )
    else:
        out["claims_table"] = "*(no survival claims configured for this cohort)*\n"
    out["inputs"] = [input_row(rec) for rec in manifest.get("inputs", [])]
    out["packages"] = manifest.get("packages", {})
    return out


def analysis_title(analysis: str, titles: Mapping[str, str]) -> str:
    """An analysis id in words: its title, and for a sensitivity variant (``<id>__<rule>_<0-1+>``)
    the rule set and 0-1+ assignment it uses."""
    if str(analysis) in titles:
        return titles[str(analysis)]
    base, _, variant = str(analysis).partition("__")
    title = titles.get(base, base.replace("_", " "))
    if not variant:
        return title
    rule, _, z = variant.rpartition("_")
    return f"{title} (sensitivity: {rule}, IHC 0-1+ as {'HER2-0' if z == 'zero' else 'HER2-' + z})"


def survival_claim_rows(claims: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """The survival claims as the summary shows them: analysis titles, the role of each row, and no
    verdict on a naive fit of a left-truncated cohort (biased by delayed entry; shown for contrast)."""
    cl = claims.copy()
    if "role" not in cl:
        primary = cl["primary"].astype(str).str.lower().eq("true") if "primary" in cl else True
        cl["role"] = pd.Series(primary, index=cl.index).map(
            {True: "primary", False: "naive contrast"}
        )
    naive = cl["role"].astype(str).str.startswith("naive")
    cl.loc[naive, "verdict"] = "not judged (naive fit, shown for contrast)"
    cl["analysis"] = cl["analysis"].map(lambda a: analysis_title(str(a), titles))
    keep = ["claim", "analysis", "role", "truncation", "estimate_of", "estimate", "ci_low", "ci_high",
            "p", "verdict", "reason"]  # fmt: skip
    return cl[[c for c in keep if c in cl]]


def survival_sentence(rows: pd.DataFrame) -> str:
    """One sentence per primary survival claim: the estimate, its verdict, and the naive contrast."""
    parts = []
    for claim, sub in rows.groupby("claim", sort=False):
        prim = sub[sub["role"] == "primary"]
        if prim.empty:
            continue
        r = prim.iloc[0]
        what = str(r["estimate_of"]).replace("group:", "").replace(":", " ")
        text = f"{claim}: {what} {r['estimate']:.2f} ({r['ci_low']:.2f}-{r['ci_high']:.2f}), {r['verdict']}"
        naive = sub[sub["role"].astype(str).str.startswith("naive")]
        if len(naive) and pd.notna(naive.iloc[0]["estimate"]):
            text += (
                f" (the naive fit, ignoring delayed entry, gives {naive.iloc[0]['estimate']:.2f})"
            )
        parts.append(text)
    return ("Survival: " + "; ".join(parts) + ".") if parts else ""


def summary_context(
    cohorts: Mapping[str, str],
    inputs: Mapping[str, str],
    fields: Mapping[str, Mapping[str, str]],
    default_rule: str,
    config: Mapping[str, Any],
    cohort_files: list[str | Path],
    titles: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """What the summary and provenance templates show, for every cohort.

    ``inputs`` maps ``<cohort>__<name>`` to a result file (see :func:`cohort_summary`; also
    ``categories`` for the rule x 0-1+ table and ``fig_*`` PNGs shown as thumbnails) and
    ``all__claims`` to results/claims.tsv; ``fields`` maps each cohort to its canonical field ->
    column mapping; ``titles`` each cohort's analysis ids to their titles.
    """
    claims_path = inputs.get("all__claims")
    claims = read_tsv(claims_path) if claims_path and Path(claims_path).is_file() else None
    defaults = dict(config.get("her2", {}).get("zero_one_plus", {}))
    summaries = []
    for name, label in cohorts.items():
        files = {k.split("__", 1)[1]: v for k, v in inputs.items() if k.startswith(f"{name}__")}
        notes = derivation_notes(dict(fields[name]))
        c = cohort_summary(name, label, files, default_rule, notes, (titles or {}).get(name))
        if files.get("categories"):
            table = zero_one_table(pd.read_parquet(files["categories"]))
            c["zero_one_table"] = _rst_table(table.reset_index())
            c["zero_one_sentence"] = zero_one_sentence(table, defaults)
        c["thumbnails"] = [thumbnail(files[k]) for k in sorted(files) if k.startswith("fig_")]
        c["tables"] = table_paths(name, default_rule, bool(files.get("claims")))
        c["headline"] = headline(c, claims)
        summaries.append(c)
    labels = {name: label for name, label in cohorts.items()}
    return {
        "cohorts": summaries,
        "config_hash": config_hash(dict(config), cohort_files),
        "default_rule": default_rule,
        "packages": summaries[0]["packages"] if summaries else {},
        "evidence_table": _rst_table(evidence_rows(claims, labels))
        if claims is not None
        else "*(no claims table)*\n",
    }


def table_paths(cohort: str, default_rule: str, survival: bool) -> list[str]:
    """Where the cohort's main tables are (paths under the working directory)."""
    paths = [
        f"results/{cohort}/her2/{default_rule}/samples.tsv",
        f"results/{cohort}/enrichment/{default_rule}/her2_low_enrichment.tsv",
        f"results/{cohort}/enrichment/{default_rule}/genes.tsv",
        f"results/{cohort}/enrichment/published_comparison.tsv",
        f"results/{cohort}/claims/evidence.tsv",
    ]
    return paths + ([f"results/{cohort}/survival/claims.tsv"] if survival else [])


def render(template_path: str | Path, context: dict[str, Any]) -> str:
    """Render a Jinja2 reStructuredText template and turn it into a standalone HTML page."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    rst = env.from_string(Path(template_path).read_text()).render(**context)
    parts = publish_parts(
        rst,
        writer_name="html5",
        settings_overrides={"report_level": 3, "halt_level": 5, "line_length_limit": 10**8},
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{parts['title']}</title>{HTML_STYLE}</head><body>{parts['html_title']}{parts['body']}</body></html>"
    )
