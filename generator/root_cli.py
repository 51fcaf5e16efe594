"""``gongkai root new-key``: making the root of trust of a new repository.

A root of trust (``content/root/N.yaml``, docs/signing.md) lists the root keys, who holds
each, how many must sign a root version and which of them sign the key registry. A new
repository has none, and no record can be written without its keys, so the root is made
key by key: each ``gongkai root new-key`` creates one root key (the private key outside
the repository) and adds it to the draft of the next root version, creating the draft
when there is none. Both thresholds are then a majority of the root keys unless
``--threshold`` says otherwise. ``gongkai log new-key`` adds the transparency log's key
to the same draft. The holders then sign the draft (``gongkai sign``).

When the newest root is already signed, the draft is version N+1 superseding it, with
the same keys, thresholds and log; a threshold of version N's keys must sign it too.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from .canonical import record_digest
from .cli_common import CONTEXT_SETTINGS, content_option, handle_errors
from .content import display_path, load_record_file
from .errors import GongkaiError
from .keyfile import make_key, new_seed, write_key_file
from .keys_cli import (
    _ask_passphrase,
    _date,
    _today,
    encrypt_option,
    jurisdiction_of,
    private_key_path,
)
from .models import Root
from .signing import keyid_of
from .yamlwrite import dump_yaml

ROOT_YEARS = 5
"""A new root expires this many years after it is made, unless --expires says otherwise."""


def _versions(content: Path) -> list[Path]:
    found = [p for p in (content / "root").glob("*.yaml") if p.stem.isdigit()]
    return sorted(found, key=lambda p: int(p.stem))


def root_draft(content: Path, name: str | None) -> tuple[dict[str, Any], Path]:
    """The data of the draft of the next root version and where it goes: the newest
    root if it is an unsigned draft, else a new version superseding it (version 1 in a
    new repository, named ``name``)."""
    versions = _versions(content)
    if not versions:
        if name is None:
            raise GongkaiError(
                f"{display_path(content.parent / 'site_config' / 'site.yaml')}: 找不到辖区名称，"
                "请用 --name 给出根信任的名称 / no jurisdiction found: give the root's name "
                "with --name"
            )
        today = _today()
        data: dict[str, Any] = {
            "_type": "root/v1",
            "id": "root",
            "version": 1,
            "supersedes": None,
            "name": name,
            "published_on": today,
            "expires": _years_after(today, ROOT_YEARS),
            "keys": [],
            "threshold": 1,
            "key_registry": {"keys": [], "threshold": 1},
        }
        return data, content / "root" / "1.yaml"
    newest = versions[-1]
    loaded, problems = load_record_file(newest)
    if loaded is None or problems or not isinstance(loaded.record, Root):
        raise GongkaiError(
            f"{display_path(newest)}: 根信任无法通过校验，请先运行 gongkai validate / "
            "the root of trust does not validate; run gongkai validate"
        )
    data = copy.deepcopy(dict(loaded.signed))
    if loaded.signatures is None:
        return data, newest
    data["version"] = loaded.record.version + 1
    data["supersedes"] = record_digest(loaded.signed)
    data["published_on"] = _today()
    if data["expires"] <= data["published_on"]:
        data["expires"] = _years_after(data["published_on"], ROOT_YEARS)
    return data, content / "root" / f"{data['version']}.yaml"


def _years_after(day: str, years: int) -> str:
    start = dt.date.fromisoformat(day)
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28).isoformat()


def check_root(data: dict[str, Any]) -> None:
    """Refuse to write a root draft that would not validate."""
    try:
        Root.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = "".join(f"{p}: " for p in [".".join(str(p) for p in first["loc"])] if p)
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        raise GongkaiError(
            f"根信任草稿无效 / the root of trust would not be valid: {where}{message}"
        ) from None


def write_root_draft(path: Path, data: dict[str, Any], what: str) -> None:
    check_root(data)
    header = (
        f"# 根信任草稿：{what}。须由根密钥达到门槛数（threshold）签名后生效（gongkai sign）"
        f"{'；并须由上一版的根密钥达到其门槛数签名' if data['version'] > 1 else ''}。\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + dump_yaml(data), encoding="utf-8")


def add_log_key(data: dict[str, Any], origin: str, public: str) -> None:
    """Add a log key to a root draft's ``log`` role (created with threshold 1)."""
    log = data.get("log")
    if log is None:
        data["log"] = {"origin": origin, "keys": [public], "threshold": 1}
        return
    if log["origin"] != origin:
        raise GongkaiError(
            f"根信任草稿中的日志名称不同 / the root draft names another log (got --origin "
            f"{origin}, expected {log['origin']})"
        )
    log["keys"] = [*log["keys"], public]


def unsigned_root_draft(content: Path) -> tuple[dict[str, Any], Path] | None:
    """The newest root and its path when it is an unsigned draft, else None."""
    versions = _versions(content)
    if not versions:
        return None
    loaded, problems = load_record_file(versions[-1])
    if loaded is None or problems or loaded.signatures is not None:
        return None
    return copy.deepcopy(dict(loaded.signed)), versions[-1]


@click.group("root", context_settings=CONTEXT_SETTINGS)
def root_group() -> None:
    """根信任：新建根密钥并写入根信任草稿。

    The root of trust (content/root/N.yaml): create root keys and add them to the draft
    of the next root version, which the root keys then sign (gongkai sign).
    """


@root_group.command("new-key")
@click.option("--label", required=True, help="根密钥名称，如“某某县根密钥一”。 / A label.")
@click.option(
    "--holder",
    required=True,
    help="私钥保管单位，如“某某县人民政府办公室”。 / Who keeps the private key.",
)
@click.option(
    "--threshold",
    type=click.IntRange(min=1),
    default=None,
    help="签署根信任和密钥登记册所需的根密钥数，默认为过半数。 / How many root keys must sign "
    "a root version and the key registry (default: a majority).",
)
@click.option(
    "--name",
    default=None,
    help="根信任的名称（仅新建时），默认取 site_config/site.yaml 中的辖区。 / The root's name "
    "(default: from the jurisdiction in site_config/site.yaml).",
)
@click.option(
    "--expires",
    default=None,
    metavar="DATE",
    help=f"根信任的失效日期，默认 {ROOT_YEARS} 年后。 / When the root expires "
    f"(default: in {ROOT_YEARS} years).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="私钥文件（须在仓库之外），默认 ~/.config/gongkai/keys/root-<keyid>.json。 / The private "
    "key file (outside the repository).",
)
@encrypt_option
@content_option
@handle_errors
def root_new_key(
    label: str,
    holder: str,
    threshold: int | None,
    name: str | None,
    expires: str | None,
    out: Path | None,
    passphrase: bool,
    content_dir: Path,
) -> None:
    """新建根密钥：私钥写到仓库之外，公钥写入根信任草稿。

    Create a root key: the private key goes outside the repository, the public key, its
    label and its holder into the draft of the next root version (content/root/N.yaml),
    which is created when there is none.
    """
    if expires is not None:
        expires = _date(expires, "--expires")
    jurisdiction = jurisdiction_of(content_dir)
    default_name = f"{jurisdiction}“双随机、一公开”根信任" if jurisdiction else None
    data, target = root_draft(content_dir, name or default_name)
    key = make_key(new_seed(), label, None)
    path = private_key_path(out, f"root-{key.keyid[:16]}.json", content_dir)
    data["keys"] = [*data["keys"], {"public": key.public, "label": label, "holder": holder}]
    registry = data["key_registry"]
    registry["keys"] = [*registry["keys"], key.keyid]
    majority = len(data["keys"]) // 2 + 1
    data["threshold"] = threshold or majority
    registry["threshold"] = threshold or len(registry["keys"]) // 2 + 1
    if expires is not None:
        data["expires"] = expires
    check_root(data)  # before the key file exists: a bad --threshold writes nothing
    secret = _ask_passphrase(confirm=True) if passphrase else None
    write_key_file(path, key, secret)  # refuses to overwrite an existing file
    try:
        write_root_draft(target, data, f"新增根密钥 {label}（{holder}）")
    except BaseException:
        path.unlink(missing_ok=True)  # no private key without its place in the root
        raise
    click.echo(f"私钥 / private key: {path} (mode 0600{', encrypted' if passphrase else ''})")
    click.echo(f"keyid: {keyid_of(key.public)}")
    click.echo(
        f"公钥已写入 / public key added to: {display_path(target)} "
        f"({len(data['keys'])} 把根密钥 root keys, 门槛 threshold {data['threshold']})"
    )
    click.echo(
        "下一步 / next: 全部根密钥和日志密钥（gongkai log new-key）建好后，由根密钥签署："
        f"gongkai sign {display_path(target)} --key ROOT_KEY --key ROOT_KEY"
    )
