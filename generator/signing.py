"""Ed25519 signatures over records, in the DSSE envelope form.

The core of signing and verification: values in, values out, no files, no clock.

* The signed bytes are the DSSE pre-authentication encoding
  ``PAE(payloadType, body) = "DSSEv1" SP len(payloadType) SP payloadType SP len(body) SP body``
  where ``body`` is the RFC 8785 canonical JSON of the record's data exactly as
  written, and lengths are ASCII decimal byte counts.
* ``payloadType`` is one per record kind and schema major version,
  ``application/vnd.gongkai.<kind>.v<N>+json``, so that a signed plan can never pass
  as a draw.
* A key's ``keyid`` is the hex SHA-256 of the canonical JSON of
  ``{"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "<hex>"}}``.
  It is only a lookup hint: thresholds count distinct public keys, and a key that
  signed twice counts once.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey

from .canonical import canonical_json
from .errors import GongkaiError


class SignatureFormatError(GongkaiError):
    """A signature entry is malformed (not base64, wrong length, bad keyid)."""


def payload_type(record_type: str) -> str:
    """The DSSE payloadType of a record kind: ``plan/v1`` -> ``application/vnd.gongkai.plan.v1+json``."""
    kind, _, major = record_type.partition("/")
    if not kind or not major:
        raise ValueError(f"record type must be KIND/vN (got {record_type!r})")
    return f"application/vnd.gongkai.{kind}.{major}+json"


def pae(payload_type_: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    t = payload_type_.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def signing_input(signed: dict[str, Any]) -> bytes:
    """The exact bytes an Ed25519 signature covers for a record's ``signed`` data."""
    return pae(payload_type(str(signed.get("_type", ""))), canonical_json(signed))


@functools.lru_cache(maxsize=1024)
def keyid_of(public_hex: str) -> str:
    """The keyid of an Ed25519 public key given in lower-case hex."""
    return hashlib.sha256(
        canonical_json(
            {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": public_hex}}
        )
    ).hexdigest()


def sign_bytes(private_seed: bytes, message: bytes) -> bytes:
    """Ed25519 signature (64 bytes) of ``message`` with a 32-byte private seed."""
    return SigningKey(private_seed).sign(message).signature


def public_from_seed(private_seed: bytes) -> str:
    """The lower-case hex public key of a 32-byte private seed."""
    return SigningKey(private_seed).verify_key.encode().hex()


def verify_bytes(public_hex: str, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by the key.

    Malformed keys and signatures of the wrong length are simply invalid; libsodium
    rejects non-canonical encodings and small-order points (Wycheproof's cases).
    """
    return verify_raw(public_key_bytes(public_hex), message, signature)


def public_key_bytes(public_hex: str) -> bytes | None:
    """The 32 bytes of a public key given in hex, or None when it is not one."""
    try:
        raw = bytes.fromhex(public_hex)
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == 32 else None


def verify_raw(public: bytes | None, message: bytes, signature: bytes) -> bool:
    """:func:`verify_bytes` with the key already decoded (:func:`public_key_bytes`):
    one call of libsodium's ``crypto_sign_open``, as ``VerifyKey.verify`` makes."""
    if public is None or len(signature) != 64:
        return False
    try:
        crypto_sign_open(signature + message, public)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def decode_signature(sig: object) -> bytes:
    """Strict base64 (RFC 4648, with padding) of a 64-byte Ed25519 signature."""
    if not isinstance(sig, str):
        raise SignatureFormatError(f"signature must be base64 text (got {type(sig).__name__})")
    try:  # base64.b64decode(..., validate=True), without its wrapper
        raw = binascii.a2b_base64(sig.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureFormatError(f"signature is not valid base64 (got {sig[:24]!r}...)") from None
    if len(raw) != 64:
        raise SignatureFormatError(
            f"an Ed25519 signature has 64 bytes (got {len(raw)} after base64 decoding)"
        )
    return raw


def encode_signature(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class SignatureEntry:
    """One ``{keyid, sig}`` entry of an envelope, checked for form."""

    index: int
    keyid: str
    sig: bytes


_HEX_DIGITS = "0123456789abcdef"
_ENTRY_KEYS = frozenset(("keyid", "sig"))


def parse_signatures(raw: object) -> tuple[list[SignatureEntry], list[str]]:
    """Parse an envelope's ``signatures`` list; returns good entries and what is wrong
    with the others (``signatures[i]: ...``)."""
    entries: list[SignatureEntry] = []
    problems: list[str] = []
    if not isinstance(raw, list):
        return [], ["signatures: must be a list of {keyid, sig} (got " + type(raw).__name__ + ")"]
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or item.keys() != _ENTRY_KEYS:
            keys = ", ".join(sorted(item)) if isinstance(item, dict) else type(item).__name__
            problems.append(f"signatures[{i}]: must have exactly keyid and sig (got {keys})")
            continue
        keyid = item["keyid"]
        if not isinstance(keyid, str) or len(keyid) != 64 or keyid.strip(_HEX_DIGITS):
            problems.append(
                f"signatures[{i}].keyid: not a keyid (got {keyid!r}, "
                "expected 64 lower-case hex digits)"
            )
            continue
        try:
            sig = decode_signature(item["sig"])
        except SignatureFormatError as exc:
            problems.append(f"signatures[{i}].sig: {exc}")
            continue
        entries.append(SignatureEntry(i, keyid, sig))
    return entries, problems
