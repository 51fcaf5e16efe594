"""Checkpoints as C2SP signed notes: Go's sumdb/note vector, the format, the keys."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from generator.checkpoint import (
    EM_DASH,
    Checkpoint,
    CheckpointError,
    count_signatures,
    key_id,
    parse_checkpoint,
    parse_note,
    sign_checkpoint,
    verifier_key,
)
from generator.merkle import EMPTY_ROOT
from generator.signing import public_from_seed, sign_bytes

GO = json.loads(
    (Path(__file__).parent / "vectors" / "tlog" / "signed_note_go.json").read_text(encoding="utf-8")
)
SEED = base64.b64decode(GO["signer_key"].split("+", 4)[4])[1:]
PUBLIC = public_from_seed(SEED)
SEED_B = bytes(range(32))
ROOT = bytes(range(32, 64))


def _public_of(vkey: str) -> tuple[str, str]:
    name, _, rest = vkey.partition("+")
    return name, base64.b64decode(rest.split("+", 1)[1])[1:].hex()


def test_go_signer_key_gives_the_go_verifier_key() -> None:
    assert GO["signer_key"].startswith("PRIVATE+KEY+PeterNeumann+c74f20a3+")
    assert key_id("PeterNeumann", PUBLIC).hex() == "c74f20a3"
    assert verifier_key("PeterNeumann", PUBLIC) == GO["verifier_key"]


def test_go_signed_note_is_reproduced_byte_for_byte() -> None:
    sig = sign_bytes(SEED, GO["text"].encode("utf-8"))
    line = f"{EM_DASH} PeterNeumann {base64.b64encode(key_id('PeterNeumann', PUBLIC) + sig).decode()}\n"
    assert GO["text"] + "\n" + line == GO["signed_note"]


def test_go_doubly_signed_note_verifies_under_both_keys() -> None:
    note = parse_note(GO["doubly_signed_note"])
    assert note.text == GO["text"]
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]
    enoch, enoch_public = _public_of(GO["second_verifier_key"])
    assert key_id(enoch, enoch_public).hex() == "af0cfe78"
    cp_like = parse_checkpoint_like(GO["doubly_signed_note"])
    assert count_signatures(cp_like, "PeterNeumann", [PUBLIC]).valid == (PUBLIC,)
    assert count_signatures(cp_like, enoch, [enoch_public]).valid == (enoch_public,)


def parse_checkpoint_like(note_text: str) -> Checkpoint:
    """A Checkpoint carrying any note, to count its signatures."""
    return Checkpoint("x", 0, EMPTY_ROOT, (), parse_note(note_text))


def test_a_changed_note_fails_under_its_known_key() -> None:
    changed = GO["signed_note"].replace("cryptography", "cryptographY")
    with pytest.raises(CheckpointError, match="does not verify"):
        count_signatures(parse_checkpoint_like(changed), "PeterNeumann", [PUBLIC])


def test_a_checkpoint_round_trips() -> None:
    text = sign_checkpoint("example.gov.cn/log", 72, ROOT, [SEED_B])
    origin_line, size_line, root_line, blank, sig_line, end = text.split("\n")
    assert (origin_line, size_line, root_line, blank, end) == (
        "example.gov.cn/log",
        "72",
        base64.b64encode(ROOT).decode(),
        "",
        "",
    )
    assert sig_line.startswith(f"{EM_DASH} example.gov.cn/log ")
    raw = base64.b64decode(sig_line.split(" ")[2])
    assert raw[:4] == key_id("example.gov.cn/log", public_from_seed(SEED_B))
    cp = parse_checkpoint(text)
    assert (cp.origin, cp.size, cp.root, cp.extensions) == ("example.gov.cn/log", 72, ROOT, ())
    assert cp.text == "\n".join(text.split("\n")[:3]) + "\n"
    count = count_signatures(cp, "example.gov.cn/log", [public_from_seed(SEED_B)])
    assert count.valid == (public_from_seed(SEED_B),)
    assert count.unknown == ()


def test_signatures_by_other_keys_are_ignored_not_counted() -> None:
    text = sign_checkpoint("example.gov.cn/log", 1, ROOT, [SEED, SEED_B])
    count = count_signatures(parse_checkpoint(text), "example.gov.cn/log", [PUBLIC])
    assert count.valid == (PUBLIC,)
    assert [s.key_id for s in count.unknown] == [
        key_id("example.gov.cn/log", public_from_seed(SEED_B))
    ]
    same_key_other_name = count_signatures(parse_checkpoint(text), "other.example/log", [PUBLIC])
    assert same_key_other_name.valid == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n", "no blank line"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "no signature lines"),
        (
            "o\n01\n" + base64.b64encode(ROOT).decode() + "\n\n— o AAAAAAA=\n",
            "without leading zeroes",
        ),
        (
            "o\n-1\n" + base64.b64encode(ROOT).decode() + "\n\n— o AAAAAAA=\n",
            "without leading zeroes",
        ),
        ("o\n1\nnot base64!\n\n— o AAAAAAA=\n", "not base64"),
        ("o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n\n— o AAAAAAA=\n", "not 32 bytes"),
        ("o\n1\n\n— o AAAAAAA=\n", "at least three non-empty lines"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n- o AAAAAAA=\n", "signature line 1"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n— o+x AAAAAAA=\n", "signature line 1"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n— o AAAA\n", "too short"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n— o AAAAAAA=", "ends with a newline"),
        ("o\t\n1\n" + base64.b64encode(ROOT).decode() + "\n\n— o AAAAAAA=\n", "control characters"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse_checkpoint(text)


def test_extension_lines_are_kept_and_signed() -> None:
    text = "o\n1\n" + base64.b64encode(ROOT).decode() + "\nextra\n\n— o AAAAAAA=\n"
    cp = parse_checkpoint(text)
    assert cp.extensions == ("extra",)
    assert cp.text == "o\n1\n" + base64.b64encode(ROOT).decode() + "\nextra\n"


def test_an_origin_with_a_space_or_plus_is_refused() -> None:
    for origin in ("a b", "a+b", ""):
        with pytest.raises(CheckpointError, match="no spaces"):
            sign_checkpoint(origin, 0, EMPTY_ROOT, [SEED_B])
