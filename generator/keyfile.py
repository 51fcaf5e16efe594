"""Private key files: written outside the repository, mode 0600, optionally encrypted.

A key file is JSON::

    {"format": "gongkai-private-key", "format_version": 1, "keytype": "ed25519",
     "keyid": "...", "public": "<hex>", "label": "...", "department": "...",
     "private": {"encryption": "none", "seed": "<hex>"}}

With a passphrase, ``private`` is ``{"encryption": "argon2id-xsalsa20poly1305",
"salt", "opslimit", "memlimit", "box"}`` (base64): the seed sealed with
``nacl.secret.SecretBox`` under a key derived by ``nacl.pwhash.argon2id``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.exceptions import CryptoError

from .errors import GongkaiError
from .signing import keyid_of, public_from_seed

FORMAT = "gongkai-private-key"


class KeyFileError(GongkaiError):
    """A private key file cannot be read, decrypted or written."""


@dataclass(frozen=True)
class PrivateKey:
    seed: bytes
    public: str
    keyid: str
    label: str
    department: str | None


def new_seed() -> bytes:
    """32 random bytes from the operating system."""
    return nacl.utils.random(32)


def key_document(
    key: PrivateKey, passphrase: str | None, *, test_key: bool = False
) -> dict[str, Any]:
    """The JSON document of a key file."""
    private: dict[str, Any]
    if passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        ops = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
        mem = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
        box_key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=ops,
            memlimit=mem,
        )
        sealed = nacl.secret.SecretBox(box_key).encrypt(key.seed)
        private = {
            "encryption": "argon2id-xsalsa20poly1305",
            "salt": base64.b64encode(salt).decode(),
            "opslimit": ops,
            "memlimit": mem,
            "box": base64.b64encode(bytes(sealed)).decode(),
        }
    else:
        private = {"encryption": "none", "seed": key.seed.hex()}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": 1,
        "keytype": "ed25519",
        "keyid": key.keyid,
        "public": key.public,
        "label": key.label,
        "department": key.department,
        "private": private,
    }
    if test_key:
        doc["warning"] = "TEST KEY: published with the source code; never use it for real records"
    return doc


def write_key_file(path: Path, key: PrivateKey, passphrase: str | None) -> None:
    """Create ``path`` with mode 0600; refuse to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = (
        json.dumps(key_document(key, passphrase), ensure_ascii=False, indent=2).encode("utf-8")
        + b"\n"
    )
    try:
        create_private_file(path, data)
    except FileExistsError:
        raise KeyFileError(
            f"{path}: a key file already exists there; choose another --out"
        ) from None


def create_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only (0600); FileExistsError if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def make_key(seed: bytes, label: str, department: str | None) -> PrivateKey:
    public = public_from_seed(seed)
    return PrivateKey(seed, public, keyid_of(public), label, department)


def read_key_file(path: Path, passphrase: str | None = None) -> PrivateKey:
    """Read (and, with its passphrase, decrypt) a key file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{path}: not a gongkai key file (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFileError(f"{path}: not a gongkai key file (format is not {FORMAT!r})")
    private = doc.get("private") or {}
    if not isinstance(private, dict):
        raise KeyFileError(f"{path}: the key file is damaged (its private part is not a mapping)")
    try:
        if private.get("encryption") == "none":
            seed = bytes.fromhex(str(private.get("seed", "")))
        elif private.get("encryption") == "argon2id-xsalsa20poly1305":
            if not passphrase:
                raise KeyFileError(
                    f"{path}: the key is encrypted; give its passphrase (--passphrase)"
                )
            box_key = nacl.pwhash.argon2id.kdf(
                nacl.secret.SecretBox.KEY_SIZE,
                passphrase.encode("utf-8"),
                base64.b64decode(private["salt"], validate=True),
                opslimit=int(private["opslimit"]),
                memlimit=int(private["memlimit"]),
            )
            seed = nacl.secret.SecretBox(box_key).decrypt(
                base64.b64decode(private["box"], validate=True)
            )
        else:
            raise KeyFileError(f"{path}: unknown encryption {private.get('encryption')!r}")
    except CryptoError:
        raise KeyFileError(f"{path}: wrong passphrase (or the encrypted key is damaged)") from None
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise KeyFileError(
            f"{path}: the key file is damaged ({type(exc).__name__}: {exc})"
        ) from None
    if len(seed) != 32:
        raise KeyFileError(f"{path}: the private key must be 32 bytes (got {len(seed)})")
    key = make_key(seed, str(doc.get("label", "")), doc.get("department"))
    if key.public != doc.get("public"):
        raise KeyFileError(
            f"{path}: the private key does not match the public key written in the file"
        )
    return key
