"""Canonical JSON (RFC 8785, JCS) and the digests built on it.

A record's digest is the SHA-256 of the JCS encoding of its data exactly as
written in the file (never a re-dump of a model, which could add defaults).
``supersedes`` in version N+1 is the digest of version N.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_json(data: Any) -> bytes:
    """RFC 8785 canonical JSON of plain data (dict, list, str, int, bool, None)."""
    return bytes(rfc8785.dumps(data))


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
