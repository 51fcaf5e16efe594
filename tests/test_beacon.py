"""The drand beacon: recorded rounds verify offline, every kind of damage is named,
and ``gongkai beacon verify|fetch`` work (fetch against a local server only).

The rounds are in tests/vectors/drand/ (sources in its README). No test uses the
internet: fetch tests serve the recorded JSON from 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from generator import beacon
from generator.beacon import (
    DEFAULT,
    QUICKNET,
    BeaconError,
    BeaconRound,
    check_after,
    fetch_round,
    format_beijing,
    format_utc,
    parse_timestamp,
    read_round,
    round_at_or_after,
    round_time,
    verify_round,
)
from generator.beacon_cli import beacon_group
from tests.conftest import REPO

VECTORS = Path(__file__).resolve().parent / "vectors" / "drand"

Q1000_SIG = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"
Q1000_RANDOMNESS = "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd"
Q123_SIG = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"
D72785_RANDOMNESS = "8b676484b5fb1f37f9ec5c413d7d29883504e5b669f604a1ce68b3388e9ae3d9"
# noislabs/drand-verify's "wrong previous signature" (first byte a6 → 6a), same test as the round.
D72785_BAD_PREVIOUS = "6a09e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbfb0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71a0ff63d9571704905d3ca6df0b031747"


def vector_text(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(vector_text(name))
    return data


def sha256_hex(signature_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(signature_hex)).hexdigest()


def error_of(chain: beacon.Chain, data: Any) -> str:
    with pytest.raises(BeaconError) as caught:
        verify_round(chain, data)
    return str(caught.value)


# --- pinned chains and recorded rounds ------------------------------------------------


def test_pinned_chains_match_the_vectors() -> None:
    chains = json.loads(vector_text("chains.json"))
    for chain in (QUICKNET, DEFAULT):
        info = chains[chain.name]
        assert chain.scheme == info["scheme"]
        assert chain.public_key == info["public_key"]
        assert chain.period == info["period"]
        assert chain.genesis == info["genesis_time"]
        assert chain.chain_hash == info["hash"]
    assert QUICKNET.signature_bytes == 48
    assert not QUICKNET.chained
    assert DEFAULT.signature_bytes == 96
    assert DEFAULT.chained


@pytest.mark.parametrize(
    ("name", "chain", "randomness"),
    [
        ("quicknet-1000.json", QUICKNET, Q1000_RANDOMNESS),
        (
            "quicknet-123.json",
            QUICKNET,
            "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc",
        ),
        ("default-72785.json", DEFAULT, D72785_RANDOMNESS),
    ],
)
def test_recorded_rounds_verify_and_give_the_known_randomness(
    name: str, chain: beacon.Chain, randomness: str
) -> None:
    text = vector_text(name)
    assert verify_round(chain, text) == randomness
    assert verify_round(chain, text.encode()) == randomness
    assert verify_round(chain, json.loads(text)) == randomness
    assert sha256_hex(json.loads(text)["signature"]) == randomness


@pytest.mark.parametrize("name", ["quicknet-1000.json", "quicknet-123.json", "default-72785.json"])
def test_a_round_writes_back_exactly_as_drand_returns_it(name: str) -> None:
    chain = DEFAULT if name.startswith("default") else QUICKNET
    text = vector_text(name)
    assert read_round(chain, text).to_json() == text


def test_round_123_of_quicknet_is_not_a_round_of_the_default_chain() -> None:
    assert error_of(DEFAULT, vector_text("quicknet-123.json")) == (
        "the round JSON lacks field 'previous_signature' (got round, randomness, signature, "
        "expected round, randomness, signature, previous_signature for the default chain)"
    )


# --- time ------------------------------------------------------------------------


def test_round_time_of_quicknet_round_1000() -> None:
    assert round_time(QUICKNET, 1000) == 1692803367 + 999 * 3 == 1692806364
    assert format_utc(1692806364) == "2023-08-23T15:59:24Z"
    assert format_beijing(1692806364) == "2023-08-23T23:59:24+08:00"
    assert round_time(QUICKNET, 1) == QUICKNET.genesis
    assert round_time(DEFAULT, 72785) == 1595431050 + 72784 * 30


def test_round_at_or_after_is_the_first_round_not_before_the_time() -> None:
    g = QUICKNET.genesis
    assert round_at_or_after(QUICKNET, 0) == 1
    assert round_at_or_after(QUICKNET, g) == 1
    assert round_at_or_after(QUICKNET, g + 1) == 2
    assert round_at_or_after(QUICKNET, g + 3) == 2
    assert round_at_or_after(QUICKNET, g + 4) == 3
    assert round_at_or_after(QUICKNET, 1692806364) == 1000
    for t in range(g - 5, g + 100):
        r = round_at_or_after(QUICKNET, t)
        assert round_time(QUICKNET, r) >= t
        assert r == 1 or round_time(QUICKNET, r - 1) < t


def test_round_time_refuses_round_zero() -> None:
    with pytest.raises(BeaconError, match=r"^round: not a positive integer \(got integer 0"):
        round_time(QUICKNET, 0)


def test_a_round_after_the_plan_passes() -> None:
    plan = parse_timestamp("2023-08-23T23:58:00+08:00")
    check_after(QUICKNET, 1000, plan, 60)  # 23:59:24 > 23:59:00


def test_a_round_before_the_plan_fails() -> None:
    plan = parse_timestamp("2023-08-24T00:00:00+08:00")
    with pytest.raises(BeaconError) as caught:
        check_after(QUICKNET, 1000, plan, 60)
    assert str(caught.value) == (
        "round 1000: the round is not after the plan (got round time 2023-08-23T15:59:24Z, "
        "expected after 2023-08-23T16:01:00Z = plan time 2023-08-23T16:00:00Z + margin 60 s, "
        "i.e. round 1033 or later)"
    )
    assert round_time(QUICKNET, 1033) > plan + 60 >= round_time(QUICKNET, 1032)


def test_a_round_exactly_at_plan_time_plus_margin_is_not_after_it() -> None:
    t = round_time(QUICKNET, 1000)
    with pytest.raises(BeaconError, match="round 1001 or later"):
        check_after(QUICKNET, 1000, t - 30, 30)
    check_after(QUICKNET, 1000, t - 31, 30)


def test_a_negative_margin_is_refused() -> None:
    with pytest.raises(BeaconError, match=r"^margin: not a whole number of seconds ≥ 0"):
        check_after(QUICKNET, 1000, 0, -1)


def test_timestamps_need_a_utc_offset() -> None:
    assert parse_timestamp("2023-08-23T23:59:24+08:00") == 1692806364
    assert parse_timestamp("2023-08-23T15:59:24Z") == 1692806364
    assert parse_timestamp("2023-08-23T15:59:23.5Z") == 1692806364  # a fraction rounds up
    with pytest.raises(BeaconError) as caught:
        parse_timestamp("2023-08-23T23:59:24")
    assert str(caught.value) == (
        "the date-time has no UTC offset (got '2023-08-23T23:59:24', "
        "expected e.g. 2023-08-23T23:59:24+08:00 for Beijing time)"
    )
    with pytest.raises(BeaconError, match=r"^not a date-time \(got 'tomorrow'"):
        parse_timestamp("tomorrow")


# --- each kind of damage, named -----------------------------------------------------


def test_a_wrong_round_fails() -> None:
    data = vector("quicknet-1000.json")
    data["round"] = 1001
    assert error_of(QUICKNET, data) == (
        "round 1001: the signature does not verify against the quicknet public key "
        "(got signature b44679b9…, expected a BLS signature of SHA-256(u64be(1001)))"
    )


def test_another_rounds_valid_signature_fails() -> None:
    data = vector("quicknet-1000.json")
    data["signature"] = Q123_SIG
    data["randomness"] = sha256_hex(Q123_SIG)
    assert error_of(QUICKNET, data) == (
        "round 1000: the signature does not verify against the quicknet public key "
        "(got signature b75c69d0…, expected a BLS signature of SHA-256(u64be(1000)))"
    )


@pytest.mark.parametrize("index", [0, 10, 47])
def test_a_flipped_signature_byte_fails(index: int) -> None:
    data = vector("quicknet-1000.json")
    sig = bytearray.fromhex(Q1000_SIG)
    sig[index] ^= 0x01
    data["signature"] = sig.hex()
    data["randomness"] = sha256_hex(sig.hex())
    assert error_of(QUICKNET, data) == (
        "round 1000: the signature is not a valid point of the BLS12-381 G1 group "
        f"(got signature {sig.hex()[:8]}…, expected a compressed G1 point of 48 bytes)"
    )


def test_a_wrong_previous_signature_fails() -> None:
    data = vector("default-72785.json")
    data["previous_signature"] = D72785_BAD_PREVIOUS
    assert error_of(DEFAULT, data) == (
        "round 72785: the signature does not verify against the default public key with this "
        "previous_signature (got signature 82f5d3d2… and previous_signature 6a09e19a…, expected "
        "a BLS signature of SHA-256(previous_signature ‖ u64be(72785)): the signature, the "
        "previous_signature or the round is wrong)"
    )


def test_a_wrong_signature_on_the_chained_chain_fails() -> None:
    data = vector("default-72785.json")
    wrong = vector("default-1-signature.json")["signature"]
    data["signature"] = wrong
    data["randomness"] = sha256_hex(wrong)
    message = error_of(DEFAULT, data)
    assert message.startswith(
        "round 72785: the signature does not verify against the default public key with this "
        "previous_signature (got signature 8d61d910… and previous_signature a609e19a…"
    )


def test_a_wrong_round_on_the_chained_chain_fails() -> None:
    data = vector("default-72785.json")
    data["round"] = 72786
    assert "round 72786: the signature does not verify" in error_of(DEFAULT, data)


def test_tampered_randomness_fails() -> None:
    data = vector("quicknet-1000.json")
    data["randomness"] = "00" + Q1000_RANDOMNESS[2:]
    assert error_of(QUICKNET, data) == (
        "round 1000: the randomness is not SHA-256 of the signature (got randomness "
        f"00{Q1000_RANDOMNESS[2:]}, expected {Q1000_RANDOMNESS})"
    )


def test_an_extra_field_is_refused() -> None:
    data = vector("quicknet-1000.json")
    data["chain"] = "quicknet"
    assert error_of(QUICKNET, data) == (
        "the round JSON has unexpected field 'chain' (expected only round, randomness, "
        "signature, as drand's HTTP API returns a round of the unchained quicknet chain)"
    )


def test_a_previous_signature_on_quicknet_is_refused() -> None:
    data = vector("quicknet-1000.json")
    data["previous_signature"] = ""
    assert error_of(QUICKNET, data).startswith(
        "the round JSON has unexpected field 'previous_signature' (expected only round, "
        "randomness, signature,"
    )


def test_a_missing_field_is_refused() -> None:
    data = vector("quicknet-1000.json")
    del data["randomness"]
    assert error_of(QUICKNET, data) == (
        "the round JSON lacks field 'randomness' (got round, signature, expected round, "
        "randomness, signature for the quicknet chain)"
    )


def test_missing_fields_are_all_named() -> None:
    assert error_of(DEFAULT, {"round": 1}) == (
        "the round JSON lacks fields 'randomness', 'signature', 'previous_signature' "
        "(got round, expected round, randomness, signature, previous_signature for the "
        "default chain)"
    )


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (0, "integer 0"),
        (-1000, "integer -1000"),
        ("1000", "'1000'"),
        (1000.0, "float"),
        (True, "true"),
        (None, "null"),
        (2**64, f"integer {2**64}"),
    ],
)
def test_round_must_be_a_positive_integer(value: object, got: str) -> None:
    data = vector("quicknet-1000.json")
    data["round"] = value
    assert error_of(QUICKNET, data) == (
        f"round: not a positive integer (got {got}, expected an integer from 1 to {2**64 - 1})"
    )


def test_round_as_a_json_float_is_refused() -> None:
    text = vector_text("quicknet-1000.json").replace('"round":1000', '"round":1000.0')
    assert error_of(QUICKNET, text).startswith("round: not a positive integer (got float,")


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (
            Q1000_SIG.upper(),
            "round 1000: signature: not lowercase hex (got 'B44679B9A59AF2EC876B1A6B1AD52EA9B1615FC3982B19576350F9344...', "
            "expected 96 lowercase hex digits: a compressed BLS12-381 G1 point)",
        ),
        (
            "zz" + Q1000_SIG[2:],  # drand-verify itself would panic on this
            "round 1000: signature: not lowercase hex (got 'zz4679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f9344...', "
            "expected 96 lowercase hex digits: a compressed BLS12-381 G1 point)",
        ),
        (
            Q1000_SIG[:-2],
            "round 1000: signature: wrong length (got 94 hex digits, expected 96 lowercase hex "
            "digits: a compressed BLS12-381 G1 point)",
        ),
        (
            1234,
            "round 1000: signature: not a string (got integer 1234, expected 96 lowercase hex "
            "digits: a compressed BLS12-381 G1 point)",
        ),
    ],
)
def test_malformed_signatures_are_named(signature: object, message: str) -> None:
    data = vector("quicknet-1000.json")
    data["signature"] = signature
    assert error_of(QUICKNET, data) == message


def test_verify_beacon_checks_the_shape_of_a_round_built_in_code() -> None:
    with pytest.raises(BeaconError, match=r"^round 1000: signature: not lowercase hex"):
        beacon.verify_beacon(QUICKNET, BeaconRound(1000, Q1000_RANDOMNESS, "zz" * 48))
    with pytest.raises(BeaconError, match=r"^the round JSON lacks field 'previous_signature'"):
        beacon.verify_beacon(DEFAULT, BeaconRound(1000, Q1000_RANDOMNESS, Q1000_SIG))


def test_a_malformed_previous_signature_is_named() -> None:
    data = vector("default-72785.json")
    data["previous_signature"] = data["previous_signature"][:96]
    assert error_of(DEFAULT, data) == (
        "round 72785: previous_signature: wrong length (got 96 hex digits, expected 192 "
        "lowercase hex digits: a compressed BLS12-381 G2 point, the signature of round 72784)"
    )


def test_malformed_randomness_is_named() -> None:
    data = vector("quicknet-1000.json")
    data["randomness"] = Q1000_RANDOMNESS[:-1]
    assert error_of(QUICKNET, data) == (
        "round 1000: randomness: wrong length (got 63 hex digits, expected 64 lowercase hex "
        "digits: SHA-256 of the signature)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"round":1000,',
            "the round JSON is not valid JSON: Expecting property name enclosed in double quotes "
            "at line 1 column 15",
        ),
        ("[1000]", "the round JSON is not an object (got a list, expected an object with fields"),
        ('{"round":1000,"round":1001}', "the round JSON repeats field 'round'"),
        ('{"round":NaN}', "the round JSON contains NaN"),
        (b"\xff\xfe{", "the round JSON is not"),
    ],
)
def test_text_that_is_not_one_json_object_is_refused(text: str | bytes, message: str) -> None:
    assert error_of(QUICKNET, text).startswith(message)


def test_verification_is_fast() -> None:
    text = vector_text("quicknet-1000.json")
    start = time.perf_counter()
    for _ in range(20):
        verify_round(QUICKNET, text)
    assert (time.perf_counter() - start) / 20 < 0.1  # about 3 ms here


# --- fetch, against a local server --------------------------------------------------


@dataclass
class Relay:
    """A local stand-in for a drand relay: path -> (status, body), and a request log."""

    url: str = ""
    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[str] = field(default_factory=list)
    failures_first: int = 0
    """Answer this many requests with 503 before serving the routes."""


@pytest.fixture
def relay() -> Iterator[Relay]:
    state = Relay()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            if state.delay:
                time.sleep(state.delay)
            if state.failures_first > 0:
                state.failures_first -= 1
                status, body = 503, b"busy"
            else:
                status, body = state.routes.get(self.path, (404, b"not found"))
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def q_path(r: int | str) -> str:
    return f"/{QUICKNET.chain_hash}/public/{r}"


def serve_vector(relay: Relay, r: int | str = 1000, name: str = "quicknet-1000.json") -> None:
    relay.routes[q_path(r)] = (200, (VECTORS / name).read_bytes())


@pytest.fixture
def no_sleep() -> list[float]:
    """Collects the waits between attempts (pass ``sleep=no_sleep.append``)."""
    return []


def test_fetch_returns_the_verified_round(relay: Relay) -> None:
    serve_vector(relay)
    got = fetch_round(relay.url, QUICKNET, 1000, timeout=2, retries=0)
    assert got == BeaconRound(1000, Q1000_RANDOMNESS, Q1000_SIG)
    assert relay.requests == [q_path(1000)]


def test_fetch_latest(relay: Relay) -> None:
    serve_vector(relay, "latest")
    assert fetch_round(relay.url + "/", QUICKNET, None, timeout=2, retries=0).round == 1000
    assert relay.requests == [q_path("latest")]


def test_fetch_of_the_default_chain(relay: Relay) -> None:
    relay.routes[f"/{DEFAULT.chain_hash}/public/72785"] = (
        200,
        (VECTORS / "default-72785.json").read_bytes(),
    )
    got = fetch_round(relay.url, DEFAULT, 72785, timeout=2, retries=0)
    assert got.randomness == D72785_RANDOMNESS


def test_fetch_refuses_a_bad_signature(relay: Relay) -> None:
    data = vector("quicknet-1000.json")
    data["signature"] = Q123_SIG
    data["randomness"] = sha256_hex(Q123_SIG)
    relay.routes[q_path(1000)] = (200, json.dumps(data).encode())
    with pytest.raises(BeaconError) as caught:
        fetch_round(relay.url, QUICKNET, 1000, timeout=2, retries=3)
    assert str(caught.value) == (
        f"{relay.url}{q_path(1000)}: refused: round 1000: the signature does not verify against "
        "the quicknet public key (got signature b75c69d0…, expected a BLS signature of "
        "SHA-256(u64be(1000)))"
    )
    assert len(relay.requests) == 1  # a forged round is not asked for again


def test_fetch_refuses_another_round_than_asked_for(relay: Relay) -> None:
    relay.routes[q_path(1001)] = (200, (VECTORS / "quicknet-1000.json").read_bytes())
    with pytest.raises(BeaconError) as caught:
        fetch_round(relay.url, QUICKNET, 1001, timeout=2, retries=0)
    assert str(caught.value) == (
        f"{relay.url}{q_path(1001)}: refused: the relay returned round 1000 (expected round 1001)"
    )


def test_fetch_refuses_an_answer_that_is_not_a_round(relay: Relay) -> None:
    relay.routes[q_path(1000)] = (200, b"<html>captive portal</html>")
    with pytest.raises(BeaconError, match=r"refused: the round JSON is not valid JSON"):
        fetch_round(relay.url, QUICKNET, 1000, timeout=2, retries=0)


def test_fetch_refuses_an_oversized_answer(relay: Relay) -> None:
    relay.routes[q_path(1000)] = (200, b" " * (beacon.MAX_RESPONSE_BYTES + 1))
    with pytest.raises(BeaconError, match=r"the answer is larger than 65536 bytes"):
        fetch_round(relay.url, QUICKNET, 1000, timeout=2, retries=0)


def test_fetch_does_not_retry_a_missing_round(relay: Relay, no_sleep: list[float]) -> None:
    with pytest.raises(BeaconError) as caught:
        fetch_round(relay.url, QUICKNET, 1000, timeout=2, retries=3, sleep=no_sleep.append)
    assert str(caught.value) == (
        f"{relay.url}{q_path(1000)}: HTTP 404 Not Found (round 1000 is due at "
        "2023-08-23T15:59:24Z; no round exists before its time)"
    )
    assert len(relay.requests) == 1
    assert no_sleep == []


def test_fetch_retries_a_busy_relay_with_backoff(relay: Relay, no_sleep: list[float]) -> None:
    serve_vector(relay)
    relay.failures_first = 2
    got = fetch_round(
        relay.url, QUICKNET, 1000, timeout=2, retries=3, sleep=no_sleep.append, backoff=0.5
    )
    assert got.round == 1000
    assert len(relay.requests) == 3
    assert no_sleep == [0.5, 1.0]


def test_fetch_gives_up_on_a_relay_that_stays_busy(relay: Relay, no_sleep: list[float]) -> None:
    relay.failures_first = 100
    with pytest.raises(BeaconError) as caught:
        fetch_round(
            relay.url, QUICKNET, 1000, timeout=2, retries=2, sleep=no_sleep.append, backoff=0.25
        )
    assert str(caught.value) == (
        f"{relay.url}{q_path(1000)}: could not fetch the round after 3 attempts "
        "(last: HTTP 503 Service Unavailable); check the network or try another relay with --url"
    )
    assert len(relay.requests) == 3
    assert no_sleep == [0.25, 0.5]


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_fetch_from_a_relay_that_is_down(no_sleep: list[float]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(BeaconError) as caught:
        fetch_round(
            url, QUICKNET, 1000, timeout=0.5, retries=2, sleep=no_sleep.append, backoff=0.01
        )
    message = str(caught.value)
    assert message.startswith(
        f"{url}{q_path(1000)}: could not fetch the round after 3 attempts (last: "
    )
    assert "refused" in message.lower()
    assert message.endswith("check the network or try another relay with --url")
    assert no_sleep == [0.01, 0.02]
    assert time.monotonic() - start < 5


def test_fetch_times_out(relay: Relay) -> None:
    serve_vector(relay)
    relay.delay = 1.0
    start = time.monotonic()
    with pytest.raises(BeaconError) as caught:
        fetch_round(relay.url, QUICKNET, 1000, timeout=0.1, retries=1, backoff=0.01)
    assert str(caught.value) == (
        f"{relay.url}{q_path(1000)}: could not fetch the round after 2 attempts "
        "(last: timed out after 0.1 s); check the network or try another relay with --url"
    )
    assert len(relay.requests) == 2
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("url", ["file:///etc", "ftp://example.org", "api.drand.sh", ""])
def test_fetch_only_speaks_http(url: str) -> None:
    with pytest.raises(BeaconError, match=r"^--url: not an http or https address"):
        fetch_round(url, QUICKNET, 1000)


def test_fetch_refuses_a_redirect_to_another_scheme(relay: Relay) -> None:
    class_ = beacon._HttpOnlyRedirects()
    request = urllib.request.Request(relay.url)
    with pytest.raises(BeaconError, match=r"redirected to 'file:///etc/passwd'"):
        class_.redirect_request(request, None, 302, "Found", {}, "file:///etc/passwd")


# --- the command line ---------------------------------------------------------------


@click.group()
@click.option("-v", "--verbose", is_flag=True)
def cli(verbose: bool) -> None:
    """Stands in for ``gongkai`` (generator.cli.main) until it registers the group."""


cli.add_command(beacon_group)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["beacon", *args])


def test_cli_verify_prints_round_times_and_randomness() -> None:
    path = VECTORS / "quicknet-1000.json"
    result = run("verify", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"核验通过。 / Verified: {path}",
        f"  链 chain:              drand quicknet {QUICKNET.chain_hash}",
        "  轮次 round:            1000",
        "  时间 time (UTC):       2023-08-23T15:59:24Z",
        "  北京时间 Beijing time: 2023-08-23T23:59:24+08:00",
        f"  随机数 randomness:     {Q1000_RANDOMNESS}",
    ]


def test_cli_verify_default_chain() -> None:
    result = run("verify", str(VECTORS / "default-72785.json"), "--chain", "default")
    assert result.exit_code == 0, result.output
    assert D72785_RANDOMNESS in result.stdout


def test_cli_verify_failure_exits_1_with_the_message(tmp_path: Path) -> None:
    data = vector("quicknet-1000.json")
    data["round"] = 1001
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("verify", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"错误 / error: {path}: round 1001: the signature does not verify against the quicknet "
        "public key (got signature b44679b9…, expected a BLS signature of SHA-256(u64be(1001)))\n"
    )


def test_cli_verify_wrong_chain_exits_1() -> None:
    result = run("verify", str(VECTORS / "default-72785.json"))
    assert result.exit_code == 1
    assert "unexpected field 'previous_signature'" in result.stderr


def test_cli_verify_after_the_plan() -> None:
    path = str(VECTORS / "quicknet-1000.json")
    result = run("verify", path, "--not-before", "2023-08-23T23:58:00+08:00", "--margin", "60")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "  晚于计划时间 after the plan: 2023-08-23T15:58:00Z + 60 s (2023-08-23T23:58:00+08:00)"
    )


def test_cli_verify_before_the_plan_exits_1() -> None:
    path = VECTORS / "quicknet-1000.json"
    result = run("verify", str(path), "--not-before", "2023-08-24T00:00:00+08:00")
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误 / error: {path}: round 1000: the round is not after the plan (got round time "
        "2023-08-23T15:59:24Z, expected after 2023-08-23T16:00:00Z = plan time "
        "2023-08-23T16:00:00Z + margin 0 s, i.e. round 1013 or later)\n"
    )


def test_cli_verify_refuses_a_time_without_offset() -> None:
    result = run(
        "verify", str(VECTORS / "quicknet-1000.json"), "--not-before", "2023-08-24T00:00:00"
    )
    assert result.exit_code == 2
    assert "the date-time has no UTC offset" in result.stderr


def test_cli_verify_margin_needs_not_before() -> None:
    result = run("verify", str(VECTORS / "quicknet-1000.json"), "--margin", "60")
    assert result.exit_code == 2
    assert "--margin needs --not-before" in result.stderr


def test_cli_verify_missing_file_exits_1(tmp_path: Path) -> None:
    result = run("verify", str(tmp_path / "absent.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith("错误 / error: No such file or directory")


def test_cli_fetch_writes_the_verified_json(relay: Relay, tmp_path: Path) -> None:
    serve_vector(relay)
    out = tmp_path / "round-1000.json"
    result = run("fetch", "--round", "1000", "--url", relay.url, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == vector_text("quicknet-1000.json") + "\n"
    assert result.stdout.splitlines()[0] == f"已核验并写入 {out} / verified and wrote {out}"
    assert f"  随机数 randomness:     {Q1000_RANDOMNESS}" in result.stdout.splitlines()
    assert run("verify", str(out)).exit_code == 0
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_cli_fetch_prints_json_on_stdout(relay: Relay) -> None:
    serve_vector(relay)
    result = run("fetch", "--round", "1000", "--url", relay.url)
    assert result.exit_code == 0, result.output
    assert result.stdout == vector_text("quicknet-1000.json") + "\n"
    assert "核验通过。 / Verified." in result.stderr


def test_cli_fetch_refuses_a_bad_signature(relay: Relay, tmp_path: Path) -> None:
    data = vector("quicknet-1000.json")
    data["signature"] = Q123_SIG
    data["randomness"] = sha256_hex(Q123_SIG)
    relay.routes[q_path(1000)] = (200, json.dumps(data).encode())
    out = tmp_path / "round.json"
    result = run("fetch", "--round", "1000", "--url", relay.url, "--out", str(out))
    assert result.exit_code == 1
    assert "refused: round 1000: the signature does not verify" in result.stderr
    assert not out.exists()


def test_cli_fetch_from_a_relay_that_is_down(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("fetch", "--round", "1000", "--url", url, "--retries", "0", "--timeout", "0.5")
    assert result.exit_code == 1
    assert "could not fetch the round after 1 attempt (last: " in result.stderr


def test_cli_help_is_chinese_first() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2].startswith("  公共随机信标（drand）")
    assert "-h, --help" in result.stdout
    for sub in ("verify", "fetch"):
        assert run(sub, "-h").exit_code == 0


def test_beacon_cli_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import generator.beacon_cli"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
