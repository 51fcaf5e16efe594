"""The signing core against known answers, and golden signed files.

Vectors live in ``tests/vectors/`` (sources in its README.md): RFC 8032 Ed25519,
all 151 Wycheproof Ed25519 cases, the DSSE pre-authentication encoding and the
RFC 8785 canonical JSON examples. Golden files in ``tests/fixtures/golden/`` pin
the exact bytes of a signed record file; regenerate them, after a deliberate
change, with::

    GONGKAI_REGENERATE_GOLDEN=1 python -m pytest tests/test_signing.py -k golden
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
import rfc8785

# generator.keys_cli can only be imported after generator.cli (a circular import; see
# test_keys_cli.py::test_keys_cli_imports_on_its_own), so import the CLI first.
import generator.cli  # noqa: F401
from generator.canonical import canonical_json
from generator.content import load_record_file
from generator.keyfile import read_key_file
from generator.keys_cli import sign_path
from generator.signing import (
    decode_signature,
    keyid_of,
    pae,
    parse_signatures,
    payload_type,
    public_from_seed,
    sign_bytes,
    signing_input,
    verify_bytes,
)
from tests.conftest import CONTENT, FIXTURES

VECTORS = Path(__file__).resolve().parent / "vectors"
GOLDEN = FIXTURES / "golden"
TEST_KEYS = FIXTURES / "test-keys"
REGENERATE_ENV = "GONGKAI_REGENERATE_GOLDEN"
REGENERATE_COMMAND = f"{REGENERATE_ENV}=1 python -m pytest tests/test_signing.py -k golden"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# RFC 8032 §7.1

RFC8032 = _json(VECTORS / "rfc8032_ed25519.json")["tests"]


@pytest.mark.parametrize("vector", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_sign_and_verify(vector: dict[str, str]) -> None:
    seed = bytes.fromhex(vector["secret_key"])
    message = bytes.fromhex(vector["message"])
    signature = bytes.fromhex(vector["signature"])
    assert public_from_seed(seed) == vector["public_key"]
    assert sign_bytes(seed, message) == signature
    assert verify_bytes(vector["public_key"], message, signature)
    assert not verify_bytes(vector["public_key"], message + b"\x00", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_bytes(vector["public_key"], message, flipped)


def test_rfc8032_vector_file_has_every_test() -> None:
    assert [v["name"] for v in RFC8032] == [
        "TEST 1",
        "TEST 2",
        "TEST 3",
        "TEST 1024",
        "TEST SHA(abc)",
    ]
    assert RFC8032[4]["message"] == hashlib.sha512(b"abc").hexdigest()
    assert len(bytes.fromhex(RFC8032[3]["message"])) == 1023


@pytest.mark.parametrize(
    ("public", "why"),
    [
        ("zz" * 32, "not hex"),
        ("d75a98", "too short"),
        ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a00", "too long"),
        ("", "empty"),
    ],
)
def test_verify_bytes_refuses_malformed_keys_without_raising(public: str, why: str) -> None:
    signature = bytes.fromhex(RFC8032[0]["signature"])
    assert verify_bytes(public, b"", signature) is False, why


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_verify_bytes_refuses_signatures_of_the_wrong_length(length: int) -> None:
    signature = (bytes.fromhex(RFC8032[0]["signature"]) * 2)[:length]
    assert verify_bytes(RFC8032[0]["public_key"], b"", signature) is False


# ---------------------------------------------------------------------------
# Wycheproof (C2SP/wycheproof testvectors_v1/ed25519_test.json)

WYCHEPROOF = _json(VECTORS / "wycheproof_ed25519_test.json")
WYCHEPROOF_CASES = [
    (group["publicKey"]["pk"], case)
    for group in WYCHEPROOF["testGroups"]
    for case in group["tests"]
]


def test_wycheproof_file_is_complete() -> None:
    assert WYCHEPROOF["algorithm"] == "EDDSA"
    assert WYCHEPROOF["numberOfTests"] == 151
    assert len(WYCHEPROOF_CASES) == 151
    assert [case["tcId"] for _, case in WYCHEPROOF_CASES] == list(range(1, 152))
    results = {case["result"] for _, case in WYCHEPROOF_CASES}
    assert results == {"valid", "invalid"}  # no "acceptable" case in this file
    assert (VECTORS / "wycheproof_ed25519_test.json").stat().st_size == 126_699


@pytest.mark.parametrize(
    ("public", "case"), WYCHEPROOF_CASES, ids=[f"tc{c['tcId']}" for _, c in WYCHEPROOF_CASES]
)
def test_wycheproof(public: str, case: dict[str, Any]) -> None:
    valid = verify_bytes(public, bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"]))
    assert valid is (case["result"] == "valid"), f"tcId {case['tcId']}: {case['comment']}"


def test_wycheproof_malleable_signatures_are_refused_through_the_envelope_form() -> None:
    """A 64-byte malleable signature passes the form check and then fails to verify."""
    malleable = [(pk, c) for pk, c in WYCHEPROOF_CASES if "SignatureMalleability" in c["flags"]]
    assert len(malleable) == 8
    for public, case in malleable:
        sig = base64.b64encode(bytes.fromhex(case["sig"])).decode()
        entry = {"keyid": keyid_of(public), "sig": sig}
        entries, problems = parse_signatures([entry])
        assert problems == []
        assert not verify_bytes(public, bytes.fromhex(case["msg"]), entries[0].sig)


# ---------------------------------------------------------------------------
# DSSE pre-authentication encoding


def test_dsse_pae_vector() -> None:
    vector = _json(VECTORS / "dsse_pae.json")
    assert pae(vector["payloadType"], vector["payload"].encode()) == vector["pae"].encode()


def test_pae_counts_bytes_not_characters() -> None:
    body = "示例".encode()
    assert pae("t/1", body) == b"DSSEv1 3 t/1 6 " + body
    assert pae("", b"") == b"DSSEv1 0  0 "


# ---------------------------------------------------------------------------
# RFC 8785 (JCS): canonical_json must reproduce the RFC's examples


def _jcs_vector(name: str) -> bytes:
    return (VECTORS / "rfc8785" / name).read_bytes()


def test_rfc8785_section_3_2_2_example() -> None:
    data = json.loads(_jcs_vector("3.2.2-input.json"))
    expected = bytes.fromhex(_jcs_vector("3.2.2-output.hex").decode().replace("\n", " "))
    assert canonical_json(data) == expected


def test_rfc8785_section_3_2_3_sorting() -> None:
    data = json.loads(_jcs_vector("3.2.3-input.json"))
    order = _jcs_vector("3.2.3-order.txt").decode().splitlines()
    out = json.loads(canonical_json(data))
    assert list(out.values()) == order
    # The only escapes are the JSON ones: U+0080 and non-BMP characters stay raw UTF-8.
    assert canonical_json(data).startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":')


def test_rfc8785_sorting_of_numeric_keys() -> None:
    data = json.loads(_jcs_vector("sorting-input.json"))
    assert canonical_json(data) == _jcs_vector("sorting-output.json").rstrip(b"\n")


def _appendix_b() -> list[tuple[str, str]]:
    lines = _jcs_vector("appendix-b-numbers.txt").decode().splitlines()
    return [
        (h, expected)
        for h, expected in (line.split() for line in lines if line and not line.startswith("#"))
    ]


@pytest.mark.parametrize(("ieee754", "expected"), _appendix_b())
def test_rfc8785_appendix_b_numbers(ieee754: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(ieee754))[0]
    if expected == "error":
        with pytest.raises(rfc8785.FloatDomainError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected.encode()


def test_rfc8785_refuses_integers_beyond_the_safe_range() -> None:
    assert canonical_json(2**53 - 1) == b"9007199254740991"
    assert canonical_json(-(2**53 - 1)) == b"-9007199254740991"
    for value in (2**53, -(2**53)):
        with pytest.raises(rfc8785.IntegerDomainError):
            canonical_json(value)


def test_rfc8785_does_not_normalise_unicode() -> None:
    composed, decomposed = "\u00e9", "e\u0301"
    assert canonical_json(composed) != canonical_json(decomposed)
    assert canonical_json({"k": decomposed}) == '{"k":"e\u0301"}'.encode()


# ---------------------------------------------------------------------------
# Payload types: one per record kind and major version


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [
        ("plan/v1", "application/vnd.gongkai.plan.v1+json"),
        ("result/v1", "application/vnd.gongkai.result.v1+json"),
        ("checklist-item/v1", "application/vnd.gongkai.checklist-item.v1+json"),
        ("keys/v1", "application/vnd.gongkai.keys.v1+json"),
        ("root/v1", "application/vnd.gongkai.root.v1+json"),
        ("draw/v2", "application/vnd.gongkai.draw.v2+json"),
    ],
)
def test_payload_type(record_type: str, expected: str) -> None:
    assert payload_type(record_type) == expected


@pytest.mark.parametrize("bad", ["plan", "", "/v1", "plan/"])
def test_payload_type_needs_kind_and_version(bad: str) -> None:
    with pytest.raises(ValueError, match="record type must be KIND/vN") as exc:
        payload_type(bad)
    assert str(exc.value) == f"record type must be KIND/vN (got {bad!r})"


def _demo_plan() -> dict[str, Any]:
    loaded, problems = load_record_file(CONTENT / "plans" / "2023" / "SJX-2023" / "v1.yaml")
    assert loaded is not None, problems
    assert loaded.signatures is not None
    return loaded.signed


def test_signing_input_is_pae_of_the_canonical_json() -> None:
    plan = _demo_plan()
    body = canonical_json(plan)
    assert signing_input(plan) == b"DSSEv1 36 application/vnd.gongkai.plan.v1+json %d %s" % (
        len(body),
        body,
    )


def test_a_plan_signature_does_not_verify_as_a_result() -> None:
    key = read_key_file(TEST_KEYS / "dept-scjgj.json")
    plan = _demo_plan()
    signature = sign_bytes(key.seed, signing_input(plan))
    assert verify_bytes(key.public, signing_input(plan), signature)
    as_result = {**plan, "_type": "result/v1"}
    assert signing_input(as_result) != signing_input(plan)
    assert signing_input(as_result).startswith(b"DSSEv1 38 application/vnd.gongkai.result.v1+json ")
    assert not verify_bytes(key.public, signing_input(as_result), signature)


def test_the_demo_plan_signature_verifies_and_covers_the_data() -> None:
    loaded, _ = load_record_file(CONTENT / "plans" / "2023" / "SJX-2023" / "v1.yaml")
    assert loaded is not None
    assert loaded.signatures is not None
    entries, problems = parse_signatures(loaded.signatures)
    assert problems == []
    key = read_key_file(TEST_KEYS / "dept-scjgj.json")
    assert entries[0].keyid == key.keyid
    assert verify_bytes(key.public, signing_input(loaded.signed), entries[0].sig)
    changed = {**loaded.signed, "title": loaded.signed["title"] + "。"}
    assert not verify_bytes(key.public, signing_input(changed), entries[0].sig)


# ---------------------------------------------------------------------------
# keyid


def test_keyid_known_answer() -> None:
    # keyid = hex SHA-256 of the RFC 8785 canonical JSON of the TUF-style key dict
    # {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "<hex>"}},
    # here for the public key of RFC 8032 TEST 1. Computed once and pinned.
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    expected = "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916"
    assert keyid_of(public) == expected
    jcs = b'{"keytype":"ed25519","keyval":{"public":"' + public.encode() + b'"},"scheme":"ed25519"}'
    assert hashlib.sha256(jcs).hexdigest() == expected


@pytest.mark.parametrize("name", sorted(p.stem for p in TEST_KEYS.glob("*.json")))
def test_every_test_key_file_has_the_keyid_of_its_public_key(name: str) -> None:
    key = read_key_file(TEST_KEYS / f"{name}.json")
    assert _json(TEST_KEYS / f"{name}.json")["keyid"] == keyid_of(key.public) == key.keyid


# ---------------------------------------------------------------------------
# Signature entries: exact messages for every malformed form

KEYID = "906ddebd45f929a2e413cfd8caf8039cccac54995b4dc426482b8cc4154c1d80"
GOOD_SIG = base64.b64encode(bytes(range(64))).decode()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("abc", "signatures: must be a list of {keyid, sig} (got str)"),
        ({"keyid": KEYID}, "signatures: must be a list of {keyid, sig} (got dict)"),
        ([{"keyid": KEYID}], "signatures[0]: must have exactly keyid and sig (got keyid)"),
        (
            [{"keyid": KEYID, "sig": GOOD_SIG, "note": "x"}],
            "signatures[0]: must have exactly keyid and sig (got keyid, note, sig)",
        ),
        (["abc"], "signatures[0]: must have exactly keyid and sig (got str)"),
        (
            [{"keyid": KEYID.upper(), "sig": GOOD_SIG}],
            f"signatures[0].keyid: not a keyid (got {KEYID.upper()!r}, expected 64 lower-case hex digits)",
        ),
        (
            [{"keyid": KEYID[:16], "sig": GOOD_SIG}],
            f"signatures[0].keyid: not a keyid (got {KEYID[:16]!r}, expected 64 lower-case hex digits)",
        ),
        (
            [{"keyid": 7, "sig": GOOD_SIG}],
            "signatures[0].keyid: not a keyid (got 7, expected 64 lower-case hex digits)",
        ),
        (
            [{"keyid": KEYID, "sig": "not base64!"}],
            "signatures[0].sig: signature is not valid base64 (got 'not base64!'...)",
        ),
        (
            [{"keyid": KEYID, "sig": GOOD_SIG.rstrip("=")}],
            f"signatures[0].sig: signature is not valid base64 (got {GOOD_SIG[:24]!r}...)",
        ),
        (
            [{"keyid": KEYID, "sig": "签名"}],
            "signatures[0].sig: signature is not valid base64 (got '签名'...)",
        ),
        (
            [{"keyid": KEYID, "sig": GOOD_SIG[:40] + "\n" + GOOD_SIG[40:]}],
            f"signatures[0].sig: signature is not valid base64 (got {GOOD_SIG[:24]!r}...)",
        ),
        (
            [{"keyid": KEYID, "sig": base64.b64encode(bytes(63)).decode()}],
            "signatures[0].sig: an Ed25519 signature has 64 bytes (got 63 after base64 decoding)",
        ),
        (
            [{"keyid": KEYID, "sig": base64.b64encode(bytes(65)).decode()}],
            "signatures[0].sig: an Ed25519 signature has 64 bytes (got 65 after base64 decoding)",
        ),
        (
            [{"keyid": KEYID, "sig": ""}],
            "signatures[0].sig: an Ed25519 signature has 64 bytes (got 0 after base64 decoding)",
        ),
        (
            [{"keyid": KEYID, "sig": 12345}],
            "signatures[0].sig: signature must be base64 text (got int)",
        ),
        (
            [{"keyid": KEYID, "sig": None}],
            "signatures[0].sig: signature must be base64 text (got NoneType)",
        ),
    ],
)
def test_parse_signatures_messages(raw: object, problem: str) -> None:
    entries, problems = parse_signatures(raw)
    assert entries == []
    assert problems == [problem]


def test_parse_signatures_keeps_good_entries_and_their_index() -> None:
    entries, problems = parse_signatures(
        [{"keyid": KEYID, "sig": "!!"}, {"keyid": KEYID, "sig": GOOD_SIG}]
    )
    assert problems == ["signatures[0].sig: signature is not valid base64 (got '!!'...)"]
    assert [(e.index, e.keyid, e.sig) for e in entries] == [(1, KEYID, bytes(range(64)))]


def test_url_safe_base64_is_refused() -> None:
    raw = bytes([0xFB, 0xFF] * 32)
    standard = base64.b64encode(raw).decode()
    assert "+" in standard or "/" in standard
    assert decode_signature(standard) == raw
    _, problems = parse_signatures(
        [{"keyid": KEYID, "sig": base64.urlsafe_b64encode(raw).decode()}]
    )
    assert problems[0].startswith("signatures[0].sig: signature is not valid base64")


# ---------------------------------------------------------------------------
# Golden signed files: the exact bytes written when a fixed record is signed with
# fixed test keys (Ed25519 is deterministic).


def _check_golden(name: str, actual: bytes) -> None:
    golden = GOLDEN / name
    if os.environ.get(REGENERATE_ENV) == "1":
        golden.write_bytes(actual)
    assert golden.is_file(), f"{golden} is missing; create it with: {REGENERATE_COMMAND}"
    assert actual == golden.read_bytes(), (
        f"{golden.relative_to(FIXTURES.parent.parent)} differs from what signing writes now; "
        f"if the change is intended, regenerate it with: {REGENERATE_COMMAND}"
    )


def test_golden_signing_input() -> None:
    loaded, problems = load_record_file(GOLDEN / "department.draft.yaml")
    assert loaded is not None, problems
    _check_golden("department.signing-input.bin", signing_input(loaded.signed))


def test_golden_signed_department(tmp_path: Path) -> None:
    path = tmp_path / "scjgj.yaml"
    shutil.copyfile(GOLDEN / "department.draft.yaml", path)
    assert sign_path(path, read_key_file(TEST_KEYS / "dept-scjgj.json")) == "signed"
    _check_golden("department.signed.yaml", path.read_bytes())
    before = path.read_bytes()
    assert sign_path(path, read_key_file(TEST_KEYS / "dept-scjgj.json")) == (
        "already signed by this key"
    )
    assert path.read_bytes() == before


def test_golden_second_signature_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "scjgj.yaml"
    shutil.copyfile(GOLDEN / "department.draft.yaml", path)
    sign_path(path, read_key_file(TEST_KEYS / "dept-scjgj.json"))
    assert sign_path(path, read_key_file(TEST_KEYS / "dept-scjgj-2021.json")) == "signed"
    _check_golden("department.signed-twice.yaml", path.read_bytes())


def test_golden_files_verify() -> None:
    """The committed golden envelope carries a signature that verifies over its data."""
    loaded, problems = load_record_file(GOLDEN / "department.signed.yaml")
    assert loaded is not None, problems
    assert loaded.signatures is not None
    entries, bad = parse_signatures(loaded.signatures)
    assert bad == []
    key = read_key_file(TEST_KEYS / "dept-scjgj.json")
    assert [e.keyid for e in entries] == [key.keyid]
    assert verify_bytes(key.public, signing_input(loaded.signed), entries[0].sig)
    draft, _ = load_record_file(GOLDEN / "department.draft.yaml")
    assert draft is not None
    assert draft.signed == loaded.signed
    assert signing_input(draft.signed) == (GOLDEN / "department.signing-input.bin").read_bytes()
