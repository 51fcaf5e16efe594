"""Canonical JSON (RFC 8785, JCS) and the digests built on it.

A record's digest is the SHA-256 of the JCS encoding of its data exactly as
written in the file (never a re-dump of a model, which could add defaults).
``supersedes`` in version N+1 is the digest of version N.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785


def canonical_json(data: Any) -> bytes:
    """RFC 8785 canonical JSON of plain data (dict, list, str, int, bool, None).

    The ``rfc8785`` package (docs/decisions/0001) is the reference. For data where JCS
    and Python's C-accelerated ``json`` encoder provably agree (see :func:`_plain`), the
    latter writes it: thirty times faster on a large draw record, and checked equal to
    the reference on every record of the repository and on generated data
    (tests/test_canonical.py). Anything else (floats, integers beyond 2^53, keys
    outside the Basic Multilingual Plane, lone surrogates, other types) goes to the
    reference, which also raises its errors.
    """
    if _plain(data):
        try:
            return _DUMP(data).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the reference refuses it
            pass
    return bytes(rfc8785.dumps(data))


_DUMP = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_MAX_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when JCS of ``value`` is exactly Python's sorted, compact, non-ASCII JSON.

    That holds for None, bools, strings, integers within ±(2^53 - 1) and lists and
    dicts of them whose keys are strings of the Basic Multilingual Plane: there
    Python's code-point order of keys is JCS's UTF-16 order, and both escape only
    ``"``, ``\\`` and the control characters, the same way (``\\n``, ``\\u001f``).
    """
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is int:
            if -_MAX_INT <= v <= _MAX_INT:
                continue
            return False
        if t is dict:
            for k in v:
                if type(k) is not str or (not k.isascii() and max(k) > "\uffff"):
                    return False
            stack.extend(v.values())
        elif t is list:
            stack.extend(v)
        else:
            return False
    return True


def record_digest(data: Any) -> str:
    """Hex SHA-256 of the canonical JSON of a record's data."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
