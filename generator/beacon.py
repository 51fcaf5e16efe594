"""The public randomness beacon (drand, League of Entropy): verify a round, offline.

A draw names a drand round before that round exists; once it is published, anyone
can check it with nothing but this module and the round's JSON. Everything here is
pure except :func:`fetch_round`, the one function that touches the network (and it
verifies what it fetched before returning it).

**What a round proves.** drand's nodes jointly hold a BLS12-381 threshold key; each
round ``r`` they publish a BLS signature ``σ`` of a message fixed in advance:

* unchained chains (quicknet, scheme ``bls-unchained-g1-rfc9380``, ``σ`` on G1):
  ``m = SHA-256(u64be(r))``;
* chained chains (the default chain, scheme ``pedersen-bls-chained``, ``σ`` on G2):
  ``m = SHA-256(previous_signature ‖ u64be(r))``.

BLS signatures are unique: for one key and one message there is exactly one valid
``σ``. The randomness is ``SHA-256(σ)``. So a round that verifies against the pinned
public key has exactly one possible randomness, which nobody could know before the
round's time ``genesis + (r − 1) × period`` (unless a threshold of the League's
operators colluded).

**Checks, in order** (each failure raises :class:`BeaconError` naming what was wrong):
the JSON has exactly drand's fields; ``round`` is an integer in 1 … 2⁶⁴−1; the hex
fields are lowercase hex of the right length; the signature verifies (drand-verify,
see docs/decisions/0004-drand-verify.md); ``randomness`` equals ``SHA-256(signature)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import drand_verify  # type: ignore[import-untyped,unused-ignore]

from . import strictjson
from .errors import GongkaiError, describe

MAX_ROUND = 2**64 - 1
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "gongkai-beacon/1"


class BeaconError(GongkaiError):
    """A beacon round is malformed, does not verify, or cannot be fetched."""


@dataclass(frozen=True)
class Chain:
    """One drand chain, pinned in code: what a round is verified against."""

    name: str
    scheme: str
    public_key: str
    """Hex of the compressed group public key (G2 for quicknet, G1 for the default chain)."""
    period: int
    """Seconds between rounds."""
    genesis: int
    """Unix time (UTC) of round 1."""
    chain_hash: str
    """drand's identifier of the chain, as in ``/{chain_hash}/public/{round}``."""
    signature_bytes: int
    """Length of a compressed signature: 48 (G1) or 96 (G2)."""
    chained: bool
    """Whether each round's message includes the previous round's signature."""

    @property
    def signature_group(self) -> str:
        return "G1" if self.signature_bytes == 48 else "G2"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields of a round as drand's HTTP API returns them, in its order."""
        base = ("round", "randomness", "signature")
        return (*base, "previous_signature") if self.chained else base


QUICKNET = Chain(
    name="quicknet",
    scheme="bls-unchained-g1-rfc9380",
    public_key=(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    period=3,
    genesis=1692803367,
    chain_hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    signature_bytes=48,
    chained=False,
)
"""quicknet: unchained, a round every 3 s, signatures on G1 (RFC 9380 hash-to-curve,
DST ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``). The chain gongkai draws use."""

DEFAULT = Chain(
    name="default",
    scheme="pedersen-bls-chained",
    public_key=(
        "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a5699"
        "37c529eeda66c7293784a9402801af31"
    ),
    period=30,
    genesis=1595431050,
    chain_hash="8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    signature_bytes=96,
    chained=True,
)
"""The League of Entropy's original (default, "mainnet") chain: chained, every 30 s."""

CHAINS: dict[str, Chain] = {c.name: c for c in (QUICKNET, DEFAULT)}


@dataclass(frozen=True)
class BeaconRound:
    """One round as drand's HTTP API returns it (``previous_signature`` only when chained)."""

    round: int
    randomness: str
    signature: str
    previous_signature: str | None = None

    def to_json(self) -> str:
        """The round in drand's own JSON form, e.g. ``{"round":1000,"randomness":…}``."""
        data: dict[str, Any] = {
            "round": self.round,
            "randomness": self.randomness,
            "signature": self.signature,
        }
        if self.previous_signature is not None:
            data["previous_signature"] = self.previous_signature
        return json.dumps(data, separators=(",", ":"))


def short(hex_text: str) -> str:
    """The first 8 hex digits and an ellipsis, for messages."""
    return hex_text[:8] + "…" if len(hex_text) > 8 else hex_text


def _field_list(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "none"


def load_round_json(text: str | bytes) -> Any:
    """Parse JSON text strictly: no repeated fields, no NaN or Infinity."""
    try:
        return strictjson.loads(text)
    except strictjson.RepeatedFieldError as exc:
        raise BeaconError(
            f"the round JSON repeats field {exc.key!r} (expected each field once)"
        ) from None
    except strictjson.NotPlainNumberError as exc:
        raise BeaconError(
            f"the round JSON contains {exc.name} (expected plain JSON numbers)"
        ) from None
    except UnicodeDecodeError as exc:
        raise BeaconError(f"the round JSON is not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise BeaconError(
            f"the round JSON is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
            '(expected drand\'s JSON for one round, like {"round":1000,"randomness":"…","signature":"…"})'
        ) from exc


def _check_round_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROUND:
        raise BeaconError(
            f"round: not a positive integer (got {describe(value)}, expected an integer from 1 to {MAX_ROUND})"
        )
    return value


def _check_hex(r: int, name: str, value: object, nbytes: int, what: str) -> str:
    expected = f"{2 * nbytes} lowercase hex digits: {what}"
    if not isinstance(value, str):
        raise BeaconError(
            f"round {r}: {name}: not a string (got {describe(value)}, expected {expected})"
        )
    if any(c not in "0123456789abcdef" for c in value):
        raise BeaconError(
            f"round {r}: {name}: not lowercase hex (got {describe(value)}, expected {expected})"
        )
    if len(value) != 2 * nbytes:
        raise BeaconError(
            f"round {r}: {name}: wrong length (got {len(value)} hex digits, expected {expected})"
        )
    return value


def parse_round(chain: Chain, data: object) -> BeaconRound:
    """Check that ``data`` (parsed JSON) is one round of ``chain`` in drand's exact form.

    Checks the shape only; :func:`verify_beacon` checks the cryptography."""
    if not isinstance(data, Mapping):
        raise BeaconError(
            f"the round JSON is not an object (got {describe(data)}, expected an object with "
            f"fields {_field_list(chain.fields)})"
        )
    keys = list(data)
    missing = [f for f in chain.fields if f not in data]
    extra = [k for k in keys if k not in chain.fields]
    if extra:
        kind = "chained" if chain.chained else "unchained"
        raise BeaconError(
            f"the round JSON has unexpected field{'s' if len(extra) > 1 else ''} "
            f"{_field_list([repr(k) for k in extra])} (expected only {_field_list(chain.fields)}, "
            f"as drand's HTTP API returns a round of the {kind} {chain.name} chain)"
        )
    if missing:
        raise BeaconError(
            f"the round JSON lacks field{'s' if len(missing) > 1 else ''} "
            f"{_field_list([repr(m) for m in missing])} (got {_field_list(keys)}, expected "
            f"{_field_list(chain.fields)} for the {chain.name} chain)"
        )
    r = _check_round_number(data["round"])
    group = chain.signature_group
    point = f"a compressed BLS12-381 {group} point"
    signature = _check_hex(r, "signature", data["signature"], chain.signature_bytes, point)
    previous = None
    if chain.chained:
        previous = _check_hex(
            r,
            "previous_signature",
            data["previous_signature"],
            chain.signature_bytes,
            f"{point}, the signature of round {r - 1}",
        )
    randomness = _check_hex(r, "randomness", data["randomness"], 32, "SHA-256 of the signature")
    return BeaconRound(r, randomness, signature, previous)


def _message_text(chain: Chain, r: int) -> str:
    if chain.chained:
        return f"SHA-256(previous_signature ‖ u64be({r}))"
    return f"SHA-256(u64be({r}))"


def _call_verifier(chain: Chain, beacon: BeaconRound) -> str:
    """drand-verify's answer: the randomness hex, or ValueError/OverflowError.

    The binding panics (an uncatchable-looking ``PanicException``, a BaseException)
    on input that is not hex; :func:`parse_round` has made sure the input is hex."""
    if chain.scheme == "bls-unchained-g1-rfc9380":
        return str(
            drand_verify.verify_bls_unchained_g1_rfc9380(
                beacon.round, beacon.signature, chain.public_key
            )
        )
    if chain.scheme == "pedersen-bls-chained":
        return str(
            drand_verify.verify_pedersen_bls_chained(
                beacon.round, beacon.previous_signature or "", beacon.signature, chain.public_key
            )
        )
    raise BeaconError(f"chain {chain.name}: scheme {chain.scheme!r} is not supported")


def verify_beacon(chain: Chain, beacon: BeaconRound) -> str:
    """Verify a parsed round against ``chain``'s pinned key; return its randomness (hex)."""
    # Re-check the shape: drand-verify panics on hex it cannot decode.
    beacon = parse_round(chain, json.loads(beacon.to_json()))
    r = beacon.round
    try:
        derived = _call_verifier(chain, beacon)
    except (ValueError, OverflowError) as exc:
        reason = str(exc)
        if "Invalid point" in reason:
            raise BeaconError(
                f"round {r}: the signature is not a valid point of the BLS12-381 {chain.signature_group} "
                f"group (got signature {short(beacon.signature)}, expected a compressed "
                f"{chain.signature_group} point of {chain.signature_bytes} bytes)"
            ) from exc
        if reason != "Verification Failed":
            raise BeaconError(
                f"round {r}: the verifier refused the round: {reason} (got signature "
                f"{short(beacon.signature)}, expected a BLS signature of {_message_text(chain, r)})"
            ) from exc
        if chain.chained:
            raise BeaconError(
                f"round {r}: the signature does not verify against the {chain.name} public key "
                f"with this previous_signature (got signature {short(beacon.signature)} and "
                f"previous_signature {short(beacon.previous_signature or '')}, expected a BLS "
                f"signature of {_message_text(chain, r)}: the signature, the previous_signature "
                "or the round is wrong)"
            ) from exc
        raise BeaconError(
            f"round {r}: the signature does not verify against the {chain.name} public key "
            f"(got signature {short(beacon.signature)}, expected a BLS signature of "
            f"{_message_text(chain, r)})"
        ) from exc
    expected = hashlib.sha256(bytes.fromhex(beacon.signature)).hexdigest()
    if derived != expected:  # pragma: no cover - would mean the verifier is broken
        raise BeaconError(
            f"round {r}: the verifier derived randomness {derived}, not SHA-256 of the signature {expected}"
        )
    if beacon.randomness != expected:
        raise BeaconError(
            f"round {r}: the randomness is not SHA-256 of the signature "
            f"(got randomness {beacon.randomness}, expected {expected})"
        )
    return expected


def read_round(chain: Chain, round_json: str | bytes | Mapping[str, Any]) -> BeaconRound:
    """Parse one round given as drand's JSON (text, or already parsed); shape only."""
    data = load_round_json(round_json) if isinstance(round_json, str | bytes) else round_json
    return parse_round(chain, data)


def verify_round(chain: Chain, round_json: str | bytes | Mapping[str, Any]) -> str:
    """Verify one round given as drand's JSON (text or parsed); return its randomness hex."""
    return verify_beacon(chain, read_round(chain, round_json))


# --- time -------------------------------------------------------------------------


def round_time(chain: Chain, round_number: int) -> int:
    """Unix time (seconds, UTC) at which ``round_number`` is produced."""
    r = _check_round_number(round_number)
    return chain.genesis + (r - 1) * chain.period


def round_at_or_after(chain: Chain, unix_time: int) -> int:
    """The first round whose time is at or after ``unix_time`` (round 1 before genesis)."""
    if unix_time <= chain.genesis:
        return 1
    return -(-(unix_time - chain.genesis) // chain.period) + 1


def format_utc(unix_time: int) -> str:
    """``2023-08-23T15:59:24Z``."""
    return dt.datetime.fromtimestamp(unix_time, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_beijing(unix_time: int) -> str:
    """``2023-08-23T23:59:24+08:00`` (Beijing time, UTC+8, no daylight saving)."""
    return dt.datetime.fromtimestamp(unix_time, BEIJING).isoformat()


def parse_timestamp(text: str) -> int:
    """Unix time of an ISO 8601 date-time that states its UTC offset, e.g.
    ``2024-03-01T09:00:00+08:00`` or ``2024-03-01T01:00:00Z``."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise BeaconError(
            f"not a date-time (got {describe(text)}, expected YYYY-MM-DDTHH:MM:SS+08:00)"
        ) from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BeaconError(
            f"the date-time has no UTC offset (got {describe(text)}, expected e.g. "
            f"{text}+08:00 for Beijing time)"
        )
    return math.ceil(moment.timestamp())  # a fraction of a second counts as the next second


def check_after(chain: Chain, round_number: int, not_before_unix: int, margin_s: int) -> None:
    """Raise unless the round's time is strictly after ``not_before_unix + margin_s``.

    ``not_before_unix`` is the plan's time (when the draw was committed to); the margin
    covers clock differences and publication delay."""
    if isinstance(margin_s, bool) or not isinstance(margin_s, int) or margin_s < 0:
        raise BeaconError(f"margin: not a whole number of seconds ≥ 0 (got {describe(margin_s)})")
    t = round_time(chain, round_number)
    limit = not_before_unix + margin_s
    if t <= limit:
        first = round_at_or_after(chain, limit + 1)
        raise BeaconError(
            f"round {round_number}: the round is not after the plan (got round time {format_utc(t)}, "
            f"expected after {format_utc(limit)} = plan time {format_utc(not_before_unix)} + margin "
            f"{margin_s} s, i.e. round {first} or later)"
        )


# --- network: the only function here that touches it -------------------------------


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise BeaconError(
                f"{req.full_url}: redirected to {newurl!r} (expected an http or https address)"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def round_url(base_url: str, chain: Chain, round_number: int | None) -> str:
    """``{base}/{chain_hash}/public/{round|latest}``; only http and https."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BeaconError(
            f"--url: not an http or https address (got {describe(base_url)}, expected e.g. https://api.drand.sh)"
        )
    which = "latest" if round_number is None else str(_check_round_number(round_number))
    return f"{base_url.rstrip('/')}/{chain.chain_hash}/public/{which}"


def fetch_round(
    base_url: str,
    chain: Chain,
    round_number: int | None,
    timeout: float = 10,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], object] = time.sleep,
) -> BeaconRound:
    """Fetch one round (``None``: the latest) from a drand HTTP relay and verify it.

    Network failures, timeouts, HTTP 429 and 5xx are tried again up to ``retries``
    times, waiting ``backoff × 2^i`` seconds (``sleep`` is replaceable for tests); other HTTP errors, an oversized or
    malformed answer, a different round than asked for, or a round that does not
    verify fail at once. Verification is what makes the answer trustworthy, so a
    plain-http relay is acceptable."""
    url = round_url(base_url, chain, round_number)
    if retries < 0 or timeout <= 0:
        raise BeaconError(f"fetch: retries must be ≥ 0 and timeout > 0 (got {retries}, {timeout})")
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - round_url allows http(s) only
    attempts = retries + 1
    last = ""
    body = b""
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            with opener.open(request, timeout=timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
            break
        except urllib.error.HTTPError as exc:
            exc.close()
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code == 429 or exc.code >= 500:
                continue
            hint = ""
            if exc.code in (404, 425) and round_number is not None:
                due = format_utc(round_time(chain, round_number))
                hint = f" (round {round_number} is due at {due}; no round exists before its time)"
            raise BeaconError(f"{url}: {last}{hint}") from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            last = str(reason) or type(reason).__name__
            if isinstance(reason, TimeoutError) or "timed out" in last:
                last = f"timed out after {timeout:g} s"
    else:
        raise BeaconError(
            f"{url}: could not fetch the round after {attempts} attempt{'s' if attempts > 1 else ''} "
            f"(last: {last}); check the network or try another relay with --url"
        )
    if len(body) > MAX_RESPONSE_BYTES:
        raise BeaconError(
            f"{url}: the answer is larger than {MAX_RESPONSE_BYTES} bytes (expected one round's JSON)"
        )
    try:
        beacon = parse_round(chain, load_round_json(body))
        if round_number is not None and beacon.round != round_number:
            raise BeaconError(
                f"the relay returned round {beacon.round} (expected round {round_number})"
            )
        verify_beacon(chain, beacon)
    except BeaconError as exc:
        raise BeaconError(f"{url}: refused: {exc}") from exc
    return beacon
