"""Progress reporting shared by the network sources (API pull, datahub download)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

Progress = Callable[[str], Any] | logging.Logger | None


def reporter(log: logging.Logger, progress: Progress) -> Callable[[str], None]:
    """A function that logs a step to `log` and also passes it to `progress` (a logger or callable)."""

    def report(message: str) -> None:
        log.info(message)
        if isinstance(progress, logging.Logger):
            if progress is not log:
                progress.info(message)
        elif progress is not None:
            progress(message)

    return report
