"""``gongkai beacon verify|fetch``: the public randomness beacon (drand).

``verify`` needs no network: it checks a saved round against the public key pinned
in :mod:`generator.beacon`. ``fetch`` downloads a round from a drand relay and
verifies it before printing or saving it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from .beacon import (
    CHAINS,
    MAX_ROUND,
    BeaconError,
    BeaconRound,
    Chain,
    check_after,
    fetch_round,
    format_beijing,
    format_utc,
    parse_timestamp,
    read_round,
    round_time,
    verify_beacon,
)
from .cli_common import CONTEXT_SETTINGS, handle_errors

chain_option = click.option(
    "--chain",
    "chain_name",
    type=click.Choice(sorted(CHAINS)),
    default="quicknet",
    show_default=True,
    help="drand 链：quicknet（每 3 秒一轮，抽查所用）或 default（每 30 秒一轮）。 / "
    "The drand chain: quicknet (a round every 3 s, used for draws) or default (every 30 s).",
)


def _summary(chain: Chain, beacon: BeaconRound, randomness: str) -> list[str]:
    t = round_time(chain, beacon.round)
    return [
        f"  链 chain:              drand {chain.name} {chain.chain_hash}",
        f"  轮次 round:            {beacon.round}",
        f"  时间 time (UTC):       {format_utc(t)}",
        f"  北京时间 Beijing time: {format_beijing(t)}",
        f"  随机数 randomness:     {randomness}",
    ]


def _not_before(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except BeaconError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@click.group("beacon", context_settings=CONTEXT_SETTINGS)
def beacon_group() -> None:
    """公共随机信标（drand）：核验或获取某一轮的随机数。

    The public randomness beacon (drand, League of Entropy): verify or fetch a round.

    每轮的签名对照代码中固定的 drand 公钥核验，随机数 = SHA-256(签名)；核验无需联网。
    详见 docs/beacon.md。

    A round's signature is checked against the drand public key pinned in the code;
    its randomness is SHA-256(signature). Verifying needs no network. See docs/beacon.md.
    """


@beacon_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@chain_option
@click.option(
    "--not-before",
    "not_before",
    metavar="YYYY-MM-DDTHH:MM:SS+08:00",
    default=None,
    callback=_not_before,
    help="计划时间：该轮须晚于此时间加余量。 / The plan's time: the round must come after it "
    "plus the margin.",
)
@click.option(
    "--margin",
    metavar="SECONDS",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="余量（秒），与 --not-before 同用。 / Seconds added to --not-before.",
)
@handle_errors
def verify(file: Path, chain_name: str, not_before: int | None, margin: int) -> None:
    """离线核验一轮 drand 随机数（drand HTTP 接口返回的 JSON）。

    Verify one drand round offline, given as the JSON drand's HTTP API returns.

    Prints the round, its time in UTC and Beijing time and its randomness; exits
    with 1 and says what is wrong if the round does not verify or, with
    --not-before, if it is not after the plan's time plus the margin.
    """
    if margin and not_before is None:
        raise click.UsageError("--margin 须与 --not-before 同用。 / --margin needs --not-before.")
    chain = CHAINS[chain_name]
    text = file.read_bytes()
    try:
        beacon = read_round(chain, text)
        randomness = verify_beacon(chain, beacon)
        if not_before is not None:
            check_after(chain, beacon.round, not_before, margin)
    except BeaconError as exc:
        raise BeaconError(f"{file}: {exc}") from exc
    click.echo(f"核验通过。 / Verified: {file}")
    for line in _summary(chain, beacon, randomness):
        click.echo(line)
    if not_before is not None:
        click.echo(
            f"  晚于计划时间 after the plan: {format_utc(not_before)} + {margin} s "
            f"({format_beijing(not_before)})"
        )


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@beacon_group.command("fetch")
@click.option(
    "--round",
    "round_number",
    metavar="N",
    type=click.IntRange(min=1, max=MAX_ROUND),
    required=True,
    help="轮次。 / The round number.",
)
@chain_option
@click.option(
    "--url",
    default="https://api.drand.sh",
    show_default=True,
    help="drand HTTP 中继地址（http 或 https）。 / The drand HTTP relay (http or https).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把核验过的 JSON 写入此文件，默认打印到标准输出。 / Write the verified JSON here "
    "(default: print it).",
)
@click.option(
    "--timeout",
    metavar="SECONDS",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="每次请求的超时（秒）。 / Timeout of each request, in seconds.",
)
@click.option(
    "--retries",
    metavar="N",
    type=click.IntRange(min=0, max=10),
    default=3,
    show_default=True,
    help="失败后重试的次数。 / How many times to try again after a failure.",
)
@handle_errors
def fetch(
    round_number: int,
    chain_name: str,
    url: str,
    out: Path | None,
    timeout: float,
    retries: int,
) -> None:
    """联网获取一轮 drand 随机数，核验后输出。

    Fetch one drand round from a relay, verify it, and print or save its JSON.

    A round that does not verify against the pinned public key is refused, so any
    relay (or a copy of one) is as good as another.
    """
    chain = CHAINS[chain_name]
    beacon = fetch_round(url, chain, round_number, timeout=timeout, retries=retries)
    text = beacon.to_json() + "\n"
    if out is None:
        click.echo(text, nl=False)
        click.echo("核验通过。 / Verified.", err=True)
        for line in _summary(chain, beacon, beacon.randomness):
            click.echo(line, err=True)
        return
    _write_atomically(out, text)
    click.echo(f"已核验并写入 {out} / verified and wrote {out}")
    for line in _summary(chain, beacon, beacon.randomness):
        click.echo(line)
