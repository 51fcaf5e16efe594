"""JSON read strictly: a field given twice, or NaN / Infinity, is an error, not a guess.

Python's ``json`` keeps the last of repeated fields and accepts ``NaN``; for signed or
published data either would let two readers see different things. Callers turn the
two errors below into messages that name their own input.
"""

from __future__ import annotations

import json
from typing import Any


class RepeatedFieldError(ValueError):
    """An object gives the same field twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"repeats the field {key!r}")
        self.key = key


class NotPlainNumberError(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"contains {name}")
        self.name = name


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RepeatedFieldError(key)
        out[key] = value
    return out


def _refuse(name: str) -> Any:
    raise NotPlainNumberError(name)


def loads(text: str | bytes) -> Any:
    """``json.loads`` that raises RepeatedFieldError and NotPlainNumberError (and json's own errors)."""
    return json.loads(text, object_pairs_hook=_once, parse_constant=_refuse)
