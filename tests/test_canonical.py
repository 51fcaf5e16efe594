"""RFC 8785 canonical JSON and record digests."""

from __future__ import annotations

import hashlib

import pytest

from generator.canonical import canonical_json, record_digest


def test_rfc8785_vector() -> None:
    # From the project's shared VECTORS.md (RFC 8785 / PyPI rfc8785).
    assert (
        canonical_json([56, {"d": True, "10": None, "1": []}])
        == b'[56,{"1":[],"10":null,"d":true}]'
    )


def test_unicode_is_not_normalised_and_not_escaped() -> None:
    assert canonical_json({"名称": "示例"}) == '{"名称":"示例"}'.encode()


def test_large_integers_are_refused() -> None:
    with pytest.raises(Exception, match=r"IntegerDomainError|integer"):
        canonical_json({"n": 2**53})


def test_digest_is_sha256_of_canonical_form() -> None:
    data = {"b": 1, "a": "x"}
    assert record_digest(data) == hashlib.sha256(b'{"a":"x","b":1}').hexdigest()
