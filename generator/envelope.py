"""Writing signatures into record files without touching what was signed.

A bare record file (a draft) becomes an envelope: its lines are indented
under ``signed:`` (leading comments stay on top) and a ``signatures:`` list is
appended. An envelope gets its ``signatures:`` list rewritten. The text of the
record itself is never re-dumped, so what was signed stays exactly as written;
after every rewrite the file is parsed again and its ``signed`` data compared.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .canonical import canonical_json, record_digest
from .errors import GongkaiError
from .signing import payload_type
from .yamlsafe import parse_yaml

_SIGNATURES = re.compile(r"^signatures:", re.MULTILINE)


class EnvelopeError(GongkaiError):
    """A record file cannot be turned into, or updated as, an envelope."""


def _signature_block(signatures: list[dict[str, str]]) -> str:
    if not signatures:
        return "signatures: []\n"
    lines = ["signatures:"]
    for s in signatures:
        lines.append(f"  - keyid: {s['keyid']}")
        lines.append(f'    sig: "{s["sig"]}"')
    return "\n".join(lines) + "\n"


def with_signatures(text: str, path: str, signatures: list[dict[str, str]]) -> str:
    """The file text with exactly ``signatures`` (the ``signed`` part unchanged)."""
    doc, problems = parse_yaml(text, path)
    if doc is None or problems:
        raise EnvelopeError(f"{path}: cannot sign a file that does not parse: run gongkai validate")
    data = doc.data
    if "signed" in data:
        before = record_digest(data["signed"])
        match = _SIGNATURES.search(text)
        if match is None:
            new = text.rstrip("\n") + "\n" + _signature_block(signatures)
        else:
            head = text[: match.start()]
            tail_doc, _ = parse_yaml(head, path)
            if tail_doc is None or set(tail_doc.data) != {"signed"}:
                raise EnvelopeError(
                    f"{path}: signatures must be the last top-level key of an envelope"
                )
            new = head + _signature_block(signatures)
    else:
        before = record_digest(data)
        lines = text.splitlines(keepends=True)
        lead = 0
        while lead < len(lines) and (lines[lead].startswith("#") or not lines[lead].strip()):
            lead += 1
        body = "".join(("  " + ln if ln.strip() else ln) for ln in lines[lead:])
        if not body.endswith("\n"):
            body += "\n"
        new = "".join(lines[:lead]) + "signed:\n" + body + _signature_block(signatures)
    check, problems = parse_yaml(new, path)
    if check is None or problems or record_digest(check.data.get("signed")) != before:
        raise EnvelopeError(
            f"{path}: rewriting the file would change the signed data; it was not changed"
        )
    return new


def existing_signatures(data: dict[str, Any]) -> list[dict[str, str]]:
    """The ``signatures`` of an envelope's data, as written (or [] for a draft)."""
    raw = data.get("signatures") if "signed" in data else None
    return [dict(s) for s in raw] if isinstance(raw, list) else []


def dsse_envelope(signed: dict[str, Any], signatures: list[Any] | None) -> dict[str, Any]:
    """The DSSE JSON envelope of a signed record: the same signatures, for machines.

    ``payload`` is the base64 of the RFC 8785 canonical JSON of ``signed``, so the
    signatures verify over ``PAE(payloadType, payload)`` unchanged."""
    return {
        "payloadType": payload_type(str(signed["_type"])),
        "payload": base64.b64encode(canonical_json(signed)).decode("ascii"),
        "signatures": [{"keyid": s["keyid"], "sig": s["sig"]} for s in (signatures or [])],
    }
