"""The package's exception types: each message is one line a user can act on.

The workflow's scripts (:func:`her2cohort.runner.run`) turn any :class:`Her2cohortError`, and any
file-system error, into that one line on stderr and exit status 1; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations


class Her2cohortError(Exception):
    """An error with a one-line message naming what is wrong and where."""


class DataError(Her2cohortError, ValueError):
    """Bad input: the message is one line naming the file (and line or column) and the problem."""


class SourceError(Her2cohortError, RuntimeError):
    """A study could not be fetched (API, datahub): the message names the endpoint or URL."""
