"""Loading and validating the pipeline and cohort configuration (JSON schemas shipped with the package).

Validation fills every default the schema declares (as Snakemake's ``validate`` does), so code reads
settings with ``cfg[key]`` and the schema is the one place a default lives. The schemas' HER2 terms
(``$defs``: rule sets, 0-1+ assignments, tissues) come from :mod:`her2cohort.terms`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from her2cohort import terms
from her2cohort.clinical import check_vocabularies, vocabulary_schema
from her2cohort.errors import DataError

SCHEMA_PACKAGE = "her2cohort.schemas"


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


def load_schema(name: str) -> dict[str, Any]:
    """The package's schema ``<name>.schema.yaml`` with its HER2 ``$defs`` filled from terms."""
    text = resources.files(SCHEMA_PACKAGE).joinpath(f"{name}.schema.yaml").read_text()
    schema: dict[str, Any] = yaml.safe_load(text)
    schema.setdefault("$defs", {}).update(terms.schema_defs())
    schema["$defs"]["vocabularies"] = vocabulary_schema()
    return schema


def _set_defaults(
    validator: Any, properties: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """jsonschema's ``properties`` keyword, first filling the defaults of absent properties."""
    if isinstance(instance, dict):
        for name, sub in properties.items():
            if isinstance(sub, dict) and "default" in sub:
                instance.setdefault(name, copy.deepcopy(sub["default"]))
    yield from jsonschema.Draft202012Validator.VALIDATORS["properties"](
        validator, properties, instance, schema
    )


_FillingValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"properties": _set_defaults}
)


def validate(obj: Any, schema: str | Mapping[str, Any], source: str) -> Any:
    """Validate ``obj`` in place against a schema (a package schema name or a schema dict),
    filling the schema's defaults; raise a one-line DataError naming ``source`` and the key.

    Returns ``obj`` (defaults filled).
    """
    if isinstance(schema, str):
        schema = load_schema(schema)
    # Defaults are filled on the object itself; validate first without filling so that a
    # default never hides (or is reported instead of) the user's own error.
    plain = jsonschema.Draft202012Validator(schema)
    errors = sorted(plain.iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"{source}: {where}: {err.message}{more}")
    for _ in _FillingValidator(schema).iter_errors(obj):
        pass  # valid already: this pass only fills defaults
    return obj


def validate_config(config: dict[str, Any], source: str = "config/config.yaml") -> dict[str, Any]:
    """Validate the pipeline configuration (defaults filled) and the checks a schema cannot make."""
    validate(config, "config", source)
    check_vocabularies(config["vocabularies"], source)
    her2 = config["her2"]
    if her2["default_rule"] not in her2["rules"]:
        raise DataError(
            f"{source}: her2/default_rule: {her2['default_rule']!r} is not one of her2/rules "
            f"{her2['rules']}"
        )
    published = config["enrichment"]["published_ruleset"]
    if published not in her2["rules"]:
        raise DataError(
            f"{source}: enrichment/published_ruleset: {published!r} (the published table's rule "
            f"set) is not one of her2/rules {her2['rules']}"
        )
    return config


def merge_vocabularies(base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        merged[key] = copy.deepcopy(value)
    return merged


def load_cohort(config: dict[str, Any], name: str) -> dict[str, Any]:
    """Load <cohort_dir>/<name>.yaml, validate it (defaults filled) and merge the shared
    vocabularies into it."""
    path = Path(config["cohort_dir"]) / f"{name}.yaml"
    cohort = load_yaml(path)
    validate(cohort, "cohort", str(path))
    check_vocabularies(cohort.get("vocabularies") or {}, str(path))
    cohort = dict(cohort)
    cohort["name"] = name
    cohort["path"] = str(path)
    cohort["vocabularies"] = merge_vocabularies(config["vocabularies"], cohort.get("vocabularies"))
    return cohort
