"""Checkpoints of the transparency log: C2SP signed notes with Ed25519 signatures.

Pure core: text and keys in, text and verdicts out.

A checkpoint (https://c2sp.org/tlog-checkpoint) is the note text

    <origin>
    <tree size in decimal, no leading zeroes>
    <base64 of the 32-byte RFC 6962 root hash>

followed by a blank line and one line per signature (https://c2sp.org/signed-note):

    — <key name> <base64(key ID || Ed25519 signature of the note text)>

where the em dash is U+2014, the key name is the log's origin, and the key ID is
the first four bytes of ``SHA-256(key name || 0x0A || 0x01 || 32-byte public key)``
(0x01: an Ed25519 key). The signature covers the note text including its final
newline, not the blank line. Verifiers ignore signatures whose (name, key ID) is
not a known key, and reject the note if a known key's signature does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from .errors import GongkaiError
from .signing import sign_bytes, verify_bytes

EM_DASH = "\u2014"
ED25519_TYPE = b"\x01"
MAX_SIGNATURES = 16


class CheckpointError(GongkaiError):
    """A checkpoint cannot be read, or its signatures do not make it trusted."""


def key_id(name: str, public_hex: str) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key under ``name``."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + ED25519_TYPE + bytes.fromhex(public_hex)
    ).digest()
    return digest[:4]


def verifier_key(name: str, public_hex: str) -> str:
    """The key in the ``name+keyid+base64(0x01 || public key)`` form that Go's
    golang.org/x/mod/sumdb/note and other signed-note tools read."""
    raw = base64.b64encode(ED25519_TYPE + bytes.fromhex(public_hex)).decode("ascii")
    return f"{name}+{key_id(name, public_hex).hex()}+{raw}"


def valid_name(name: str) -> bool:
    """A key name or origin: non-empty, no spaces, no '+', no control characters."""
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A signed note split into its text and signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]


def parse_note(data: str) -> Note:
    """Split a signed note; CheckpointError when it is not one."""
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise CheckpointError("a signed note has no control characters other than newline")
    if not data.endswith("\n"):
        raise CheckpointError("a signed note ends with a newline")
    cut = data.rfind("\n\n")
    if cut < 0:
        raise CheckpointError("no blank line between the note text and its signatures")
    text, sig_block = data[: cut + 1], data[cut + 2 :]
    lines = sig_block.split("\n")[:-1]
    if not lines:
        raise CheckpointError("the note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"more than {MAX_SIGNATURES} signature lines (got {len(lines)})")
    sigs: list[NoteSignature] = []
    for i, line in enumerate(lines, start=1):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or not valid_name(parts[1]):
            raise CheckpointError(
                f"signature line {i} is not '{EM_DASH} <key name> <base64 signature>' (got {line[:60]!r})"
            )
        try:
            raw = base64.b64decode(parts[2].encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise CheckpointError(f"signature line {i}: the signature is not base64") from None
        if len(raw) < 5:
            raise CheckpointError(f"signature line {i}: too short for a key ID and a signature")
        sigs.append(NoteSignature(parts[1], raw[:4], raw[4:]))
    return Note(text, tuple(sigs))


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint's body and the note it came in."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    note: Note | None = None

    @property
    def text(self) -> str:
        """The note text: origin, size, base64 root hash and any extension lines."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode("ascii")


def parse_checkpoint(data: str) -> Checkpoint:
    """Read a signed checkpoint (without checking its signatures)."""
    note = parse_note(data)
    lines = note.text.split("\n")[:-1]
    if len(lines) < 3 or any(line == "" for line in lines):
        raise CheckpointError(
            "a checkpoint's text is at least three non-empty lines: origin, size, root hash"
        )
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isascii() or not size_text.isdigit() or str(int(size_text)) != size_text:
        raise CheckpointError(
            f"line 2: the tree size is a decimal number without leading zeroes (got {size_text!r})"
        )
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CheckpointError(
            f"line 3: the root hash is not base64 (got {root_text[:60]!r})"
        ) from None
    if len(root) != 32 or base64.b64encode(root).decode("ascii") != root_text:
        raise CheckpointError(
            f"line 3: the root hash is not 32 bytes in base64 (got {root_text!r})"
        )
    return Checkpoint(origin, int(size_text), root, tuple(lines[3:]), note)


def sign_checkpoint(origin: str, size: int, root: bytes, seeds: list[bytes]) -> str:
    """The signed note of a checkpoint, signed by each 32-byte Ed25519 seed."""
    from .signing import public_from_seed

    if not valid_name(origin):
        raise CheckpointError(
            f"the origin has no spaces, '+' or control characters (got {origin!r})"
        )
    text = Checkpoint(origin, size, root).text
    lines = []
    for seed in seeds:
        kid = key_id(origin, public_from_seed(seed))
        sig = sign_bytes(seed, text.encode("utf-8"))
        lines.append(f"{EM_DASH} {origin} {base64.b64encode(kid + sig).decode('ascii')}\n")
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class SignatureCount:
    """What a checkpoint's signatures come to against a set of known keys."""

    valid: tuple[str, ...]
    """Public keys (hex) whose signature verified, each once."""
    unknown: tuple[NoteSignature, ...]
    """Signatures by keys that are not among the known keys (ignored)."""


def count_signatures(cp: Checkpoint, name: str, publics: list[str]) -> SignatureCount:
    """Check the signatures of ``cp`` by the Ed25519 keys ``publics`` under key
    name ``name``. A signature by a known key that does not verify raises
    CheckpointError (the whole note is rejected); others' are ignored."""
    assert cp.note is not None
    message = cp.note.text.encode("utf-8")
    known = {key_id(name, p): p for p in publics}
    valid: list[str] = []
    unknown: list[NoteSignature] = []
    for i, sig in enumerate(cp.note.signatures, start=1):
        public = known.get(sig.key_id) if sig.name == name else None
        if public is None:
            unknown.append(sig)
            continue
        if not verify_bytes(public, message, sig.signature):
            raise CheckpointError(
                f"signature line {i} by log key {sig.key_id.hex()} does not verify: "
                "the checkpoint was changed after it was signed"
            )
        if public not in valid:
            valid.append(public)
    return SignatureCount(tuple(valid), tuple(unknown))
