"""RFC 8785 canonical JSON and record digests."""

from __future__ import annotations

import hashlib
import json as _json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import canonical
from generator.canonical import canonical_json, record_digest
from generator.yamlsafe import read_yaml_file


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


# The fast path (json's C encoder) must agree with the reference (the rfc8785 package).


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    [
        "",
        "\x00",
        "\x1f\x7f",
        '"\\',
        "\u2028\u2029",
        "名称：示例县",
        "\U0001f600",
        "é",
        "e\u0301",
        "\ufeff",
        "\ud800",
    ]
)
_scalars = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | _text
_json_like = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=5),
    max_leaves=30,
)


def _reference(value: Any) -> bytes | str:
    try:
        return bytes(rfc8785.dumps(value))
    except Exception as exc:
        return type(exc).__name__


def _ours(value: object) -> bytes | str:
    try:
        return canonical_json(value)
    except Exception as exc:
        return type(exc).__name__


@settings(max_examples=400, deadline=None)
@given(_json_like)
def test_fast_path_agrees_with_the_reference(value: object) -> None:
    assert _ours(value) == _reference(value)


def test_astral_keys_sort_by_utf16_like_the_reference() -> None:
    value = {"\U0001f600": 1, "\uff61": 2, "a": 3}
    assert not canonical._plain(value)
    assert canonical_json(value) == bytes(rfc8785.dumps(value))
    # Code-point order would put U+FF61 first; UTF-16 order puts the surrogate pair first.
    assert canonical_json(value).index("\U0001f600".encode()) < canonical_json(value).index(
        "\uff61".encode()
    )


def test_every_record_of_the_repository_agrees_with_the_reference() -> None:
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "content").rglob("*.yaml")) + sorted(
        (root / "site_config").rglob("*.yaml")
    )
    assert len(files) > 30
    for path in files:
        doc, problems = read_yaml_file(str(path))
        assert doc is not None, problems
        assert canonical._plain(doc.data), path  # the fast path is taken for records
        assert canonical_json(doc.data) == bytes(rfc8785.dumps(doc.data)), path


def test_floats_and_big_integers_go_to_the_reference() -> None:
    assert not canonical._plain({"x": 1.5})
    assert canonical_json({"x": 1.5}) == b'{"x":1.5}'
    assert not canonical._plain(2**53)
    assert _json.loads(canonical_json([2**53 - 1])) == [2**53 - 1]
