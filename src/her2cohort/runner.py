"""Glue for the thin Snakemake scripts: logging to the rule's log file and one-line errors."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from her2cohort.errors import Her2cohortError


def setup_logging(log_path: str | Path | None) -> logging.Logger:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    return logging.getLogger("her2cohort")


def export_pythonpath(src: str | Path) -> None:
    """Put the workflow's ``src/`` first on PYTHONPATH, so every job (local, SLURM, or a conda env
    made from envs/her2cohort.yaml) imports this package from the workflow, not the shell."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(src) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(src), *parts])


def one_line_error(exc: BaseException) -> str | None:
    """The one-line message of an error a user can act on (None: a bug, keep the traceback)."""
    if isinstance(exc, Her2cohortError):
        return " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or type(exc).__name__}"
    return None


def run(main: Callable[[Any], None], smk: Any) -> None:
    """Run a script's main(snakemake); a bad input, a failed fetch or an unreadable file becomes
    one line on stderr (and in the rule's log) and exit status 1."""
    log = setup_logging(smk.log[0] if len(smk.log) else None)
    try:
        main(smk)
    except (Her2cohortError, OSError) as exc:
        message = one_line_error(exc)
        if message is None:
            raise
        log.error("%s", message)
        print(f"her2cohort error: {message}", file=sys.stderr)
        sys.exit(1)
