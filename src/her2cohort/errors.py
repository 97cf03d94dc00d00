"""The package's exception types: each message is one line a user can act on."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input: the message is one line naming the file (and line or column) and the problem."""
