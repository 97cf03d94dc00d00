"""envs/*.yaml (conda environments) agree with pyproject.toml's dependencies and their ranges."""

from __future__ import annotations

import re

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import REPO

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ENVS = sorted((REPO / "envs").glob("*.yaml"))
# PyPI name -> conda-forge/bioconda names that provide it
CONDA_NAMES = {
    "matplotlib": {"matplotlib", "matplotlib-base"},
    "snakemake": {"snakemake", "snakemake-minimal"},
}
NOT_ON_PYPI = {"python", "pip"}

Bound = tuple[Version, bool] | None  # (version, inclusive); None: unbounded


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return reqs


def conda_spec(text: str) -> tuple[str, SpecifierSet]:
    """'numpy >=1.26,<3' -> ('numpy', SpecifierSet('>=1.26,<3')); conda's '=1.2' / '1.2' mean 1.2.*"""
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:::)?\s*(.*)", text.strip())
    assert m, f"not a conda package spec: {text!r}"
    name, rest = m.group(1), m.group(2).strip()
    if " " in rest:  # a build string after the version
        rest = rest.split()[0]
    parts = []
    for part in filter(None, (p.strip() for p in rest.split(","))):
        op, version = re.fullmatch(r"(>=|<=|==|!=|>|<|=)?\s*(\S+)", part).groups()
        if op in (None, "=") and not version.endswith("*"):
            parts.append(
                f"=={version}.*" if op == "=" or version.count(".") < 2 else f"=={version}"
            )
        elif op in (None, "="):
            parts.append(f"=={version}")
        else:
            parts.append(f"{op}{version}")
    return name.lower(), SpecifierSet(",".join(parts))


def _next_release(version: str) -> Version:
    nums = [int(x) for x in version.split(".")]
    nums[-1] += 1
    return Version(".".join(map(str, nums)))


def interval(spec: SpecifierSet) -> tuple[Bound, Bound]:
    """The smallest interval holding every version `spec` allows (!= is ignored)."""
    lo: Bound = None
    hi: Bound = None

    def raise_lo(b: tuple[Version, bool]) -> None:
        nonlocal lo
        if lo is None or b[0] > lo[0] or (b[0] == lo[0] and not b[1]):
            lo = b

    def lower_hi(b: tuple[Version, bool]) -> None:
        nonlocal hi
        if hi is None or b[0] < hi[0] or (b[0] == hi[0] and not b[1]):
            hi = b

    for s in spec:
        if s.operator in (">=", ">"):
            raise_lo((Version(s.version), s.operator == ">="))
        elif s.operator in ("<", "<="):
            lower_hi((Version(s.version), s.operator == "<="))
        elif s.operator == "==" and s.version.endswith(".*"):
            base = s.version[:-2]
            raise_lo((Version(base), True))
            lower_hi((_next_release(base), False))
        elif s.operator in ("==", "==="):
            raise_lo((Version(s.version), True))
            lower_hi((Version(s.version), True))
        elif s.operator == "~=":
            base = s.version.rsplit(".", 1)[0]
            raise_lo((Version(s.version), True))
            lower_hi((_next_release(base), False))
    return lo, hi


def within(inner: SpecifierSet, outer: SpecifierSet) -> bool:
    """Every version `inner` allows is allowed by `outer`, and `inner` allows some version."""
    (ilo, ihi), (olo, ohi) = interval(inner), interval(outer)
    if olo is not None and (
        ilo is None or ilo[0] < olo[0] or (ilo[0] == olo[0] and ilo[1] and not olo[1])
    ):
        return False
    if ohi is not None and (
        ihi is None or ihi[0] > ohi[0] or (ihi[0] == ohi[0] and ihi[1] and not ohi[1])
    ):
        return False
    if (
        ilo is not None
        and ihi is not None
        and (ilo[0] > ihi[0] or (ilo[0] == ihi[0] and not (ilo[1] and ihi[1])))
    ):
        return False
    excluded = {Version(s.version) for s in outer if s.operator == "!="}
    return not any(inner.contains(v) for v in excluded)


def _env_specs() -> dict[str, list[tuple[str, SpecifierSet]]]:
    """conda package name -> [(env file, spec)], pip entries included."""
    found: dict[str, list[tuple[str, SpecifierSet]]] = {}
    for path in ENVS:
        env = yaml.safe_load(path.read_text())
        for dep in env.get("dependencies", []):
            entries = dep.get("pip", []) if isinstance(dep, dict) else [dep]
            for entry in entries:
                if isinstance(dep, dict):
                    req = Requirement(entry)
                    name, spec = canonicalize_name(req.name), req.specifier
                else:
                    name, spec = conda_spec(entry)
                found.setdefault(name, []).append((path.name, spec))
    return found


def test_env_files_exist_and_use_open_channels() -> None:
    assert ENVS, "no envs/*.yaml"
    for path in ENVS:
        env = yaml.safe_load(path.read_text())
        assert env.get("name") and env.get("dependencies"), path
        channels = env.get("channels", [])
        assert "conda-forge" in channels and "defaults" not in channels, (path, channels)


def test_every_pyproject_dependency_is_in_an_env_with_a_range_inside_pyprojects() -> None:
    specs = _env_specs()
    problems = []
    for req in _requirements():
        names = CONDA_NAMES.get(canonicalize_name(req.name), {canonicalize_name(req.name)})
        entries = [e for n in names for e in specs.get(n, [])]
        if not entries:
            problems.append(f"{req.name} ({req.specifier}) is in no envs/*.yaml")
        for env_file, spec in entries:
            if not within(spec, req.specifier):
                problems.append(
                    f"{env_file}: {req.name} {spec or '(any)'} is not within pyproject's {req.specifier}"
                )
    assert not problems, "\n".join(problems)


def test_every_env_package_is_a_pyproject_dependency() -> None:
    known = {canonicalize_name(r.name) for r in _requirements()}
    known |= {n for r in known for n in CONDA_NAMES.get(r, set())}
    extra = sorted(set(_env_specs()) - known - NOT_ON_PYPI)
    assert not extra, (
        f"in envs/*.yaml but not in pyproject.toml (add them there with the same range): {extra}"
    )


def test_env_python_matches_requires_python() -> None:
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    pythons = _env_specs().get("python", [])
    assert pythons, "no env pins python"
    for env_file, spec in pythons:
        assert within(spec, requires), (
            f"{env_file}: python {spec} is not within requires-python {requires}"
        )


@pytest.mark.parametrize(
    ("inner", "outer", "ok"),
    [
        (">=1.26,<3", ">=1.26,<3", True),
        (">=2.0,<2.5", ">=1.26,<3", True),
        (">=1.0,<3", ">=1.26,<3", False),
        (">=1.26", ">=1.26,<3", False),
        (">=1.26,<=3", ">=1.26,<3", False),
        ("==2.1.*", ">=2,<3", True),
        ("==3.0", ">=2,<3", False),
        (">=3,<2", ">=1,<4", False),
        ("", ">=1", False),
    ],
)
def test_within(inner: str, outer: str, ok: bool) -> None:
    assert within(SpecifierSet(inner), SpecifierSet(outer)) is ok


def test_conda_spec() -> None:
    assert conda_spec("numpy >=1.26,<3") == ("numpy", SpecifierSet(">=1.26,<3"))
    assert conda_spec("python =3.11") == ("python", SpecifierSet("==3.11.*"))
    assert conda_spec("pip") == ("pip", SpecifierSet(""))
    assert conda_spec("pyarrow 15.0.2 py311_0") == ("pyarrow", SpecifierSet("==15.0.2"))
