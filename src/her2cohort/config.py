"""Loading and validating the pipeline and cohort configuration (JSON schema)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from her2cohort.errors import DataError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "workflow" / "schemas"


def load_yaml(path: str | Path) -> Any:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    try:
        return yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise DataError(f"{p}{where}: invalid YAML ({getattr(exc, 'problem', exc)})") from exc


def validate(obj: Any, schema_path: str | Path, source: str) -> None:
    """Validate against a JSON schema (written as YAML); raise a one-line DataError on failure."""
    schema = load_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"{source}: {where}: {err.message}{more}")


def merge_vocabularies(base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        merged[key] = copy.deepcopy(value)
    return merged


def load_cohort(
    config: dict[str, Any], name: str, schema_dir: str | Path = SCHEMA_DIR
) -> dict[str, Any]:
    """Load config/cohorts/<name>.yaml, validate it and merge the shared vocabularies into it."""
    path = Path(config.get("cohort_dir", "config/cohorts")) / f"{name}.yaml"
    cohort = load_yaml(path)
    validate(cohort, Path(schema_dir) / "cohort.schema.yaml", str(path))
    cohort = dict(cohort)
    cohort["name"] = name
    cohort["path"] = str(path)
    cohort["vocabularies"] = merge_vocabularies(
        config.get("vocabularies", {}), cohort.get("vocabularies")
    )
    return cohort
