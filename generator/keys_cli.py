"""``gongkai keys …`` and ``gongkai sign``: managing keys and signing records.

Private keys live outside the repository (default ``~/.config/gongkai/keys/``),
mode 0600, optionally encrypted. Public keys go into the key registry
(``content/keys/vN.yaml``): a change to a signed registry is written as the next
version, an unsigned draft that the root's key-registry keys must then sign.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from .canonical import record_digest
from .cli_common import content_option, handle_errors, signing_key_options
from .content import Loaded, display_path, load_record_file
from .envelope import existing_signatures, with_signatures
from .errors import GongkaiError
from .keyfile import PrivateKey, make_key, new_seed, read_key_file, write_key_file
from .models import SIGNED_KINDS, WITNESS_KINDS, KeyRegistry, SiteConfig
from .signing import (
    SignatureFormatError,
    decode_signature,
    encode_signature,
    keyid_of,
    sign_bytes,
    signing_input,
    verify_bytes,
)
from .yamlsafe import parse_yaml, read_yaml_file
from .yamlwrite import dump_yaml

DEFAULT_KEY_DIR = Path("~/.config/gongkai/keys")


def _today() -> str:
    return dt.date.today().isoformat()


def _date(value: str, option: str) -> str:
    """A YYYY-MM-DD option value, or a usage error naming the option."""
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise click.BadParameter(f"not a date (got {value!r}, expected YYYY-MM-DD)", param_hint=option)


def _repository_root(start: Path) -> Path | None:
    for candidate in [start.resolve(), *start.resolve().parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


def _registry_versions(content: Path) -> list[Path]:
    return sorted(
        (content / "keys").glob("v*.yaml"),
        key=lambda p: int(p.stem[1:]) if p.stem[1:].isdigit() else 0,
    )


def jurisdiction_of(content: Path) -> str | None:
    """The jurisdiction named in ``site_config/site.yaml`` beside ``content``, if any."""
    site = content.parent / "site_config" / "site.yaml"
    if not site.is_file():
        return None
    doc, problems = read_yaml_file(str(site))
    if doc is None or problems:
        return None
    try:
        return SiteConfig.model_validate(doc.data).jurisdiction
    except ValidationError:
        return None


def private_key_path(out: Path | None, default_name: str, content: Path) -> Path:
    """Where a new private key goes: ``out``, or ``default_name`` in the default key
    directory; never inside the repository that holds ``content``."""
    path = (out or DEFAULT_KEY_DIR / default_name).expanduser()
    repo = _repository_root(content)
    if repo is not None and repo in path.resolve().parents:
        raise GongkaiError(
            f"{path}: private keys must not be written inside the repository ({repo}); choose --out elsewhere"
        )
    return path


def _latest_registry(content: Path) -> Loaded:
    versions = _registry_versions(content)
    if not versions:
        raise GongkaiError(
            f"{display_path(content / 'keys')}: no key registry (expected v1.yaml); "
            "gongkai keys new makes it (docs/操作指南.md)"
        )
    loaded, problems = load_record_file(versions[-1])
    if loaded is None or problems or not isinstance(loaded.record, KeyRegistry):
        raise GongkaiError(
            f"{display_path(versions[-1])}: the key registry does not validate; run gongkai validate"
        )
    return loaded


def _write_registry_change(content: Path, change: Any, what: str) -> Path:
    """Apply ``change`` to the latest registry's data and write it as a draft.

    A signed latest version is kept and the change becomes version N+1 (superseding
    it); an unsigned latest draft is changed in place. A repository without a key
    registry gets version 1."""
    if not _registry_versions(content):
        jurisdiction = jurisdiction_of(content) or ""
        first: dict[str, Any] = {
            "_type": "keys/v1",
            "id": "keys",
            "version": 1,
            "supersedes": None,
            "name": f"{jurisdiction}签名密钥登记册",
            "published_on": _today(),
            "keys": [],
        }
        return _write_registry(content / "keys" / "v1.yaml", first, change, what)
    latest = _latest_registry(content)
    data: dict[str, Any] = dict(latest.signed)
    data["keys"] = [dict(k) for k in data["keys"]]
    if latest.signatures is not None:
        data["version"] = latest.record.version + 1
        data["supersedes"] = record_digest(latest.signed)
        data["published_on"] = _today()
        target = content / "keys" / f"v{data['version']}.yaml"
    else:
        target = Path(latest.path)
    return _write_registry(target, data, change, what)


def _write_registry(target: Path, data: dict[str, Any], change: Any, what: str) -> Path:
    change(data)
    try:
        KeyRegistry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        raise GongkaiError(f"the key registry would not be valid: {where}: {message}") from None
    header = f"# 密钥登记册草稿：{what}。须由根信任中登记册签名密钥达到门槛数签名后生效（gongkai sign）。\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + dump_yaml(data), encoding="utf-8")
    return target


def _ask_passphrase(confirm: bool) -> str:
    env = os.environ.get("GONGKAI_PASSPHRASE")
    if env:
        return env
    value: str = click.prompt("口令 / passphrase", hide_input=True, confirmation_prompt=confirm)
    return value


encrypt_option = click.option(
    "--passphrase",
    is_flag=True,
    help="用口令加密私钥（argon2id + SecretBox）。 / Encrypt the private key with a passphrase.",
)
"""``--passphrase`` of the commands that make a private key."""


def read_private_keys(key_files: tuple[Path, ...], passphrase: bool) -> list[PrivateKey]:
    """The private keys of ``--key`` files, asking once for the passphrase if needed."""
    secret = _ask_passphrase(confirm=False) if passphrase else None
    return [read_key_file(f, secret) for f in key_files]


@click.group("keys")
def keys_group() -> None:
    """管理签名密钥：新建、列出、吊销、轮换。

    Manage signing keys: create, list, revoke and rotate them.

    Private keys are written outside the repository with mode 0600; the public
    keys go into the key registry content/keys/vN.yaml, which the root's
    key-registry keys must sign before the change counts.
    """


def _new_key(
    content: Path,
    label: str,
    department: str | None,
    role: str,
    witness_kind: str | None,
    kinds: list[str],
    valid_from: str,
    valid_until: str,
    out: Path | None,
    passphrase: bool,
) -> tuple[PrivateKey, Path, Path]:
    key = make_key(new_seed(), label, department)
    path = private_key_path(out, f"{key.keyid[:16]}.json", content)
    entry: dict[str, Any] = {"keyid": key.keyid, "public": key.public, "label": label, "role": role}
    if role == "department":
        entry["department"] = department
    else:
        entry["witness_kind"] = witness_kind
    entry.update(kinds=kinds, valid_from=valid_from, valid_until=valid_until)

    def add(data: dict[str, Any]) -> None:
        data["keys"].append(entry)

    secret = _ask_passphrase(confirm=True) if passphrase else None
    write_key_file(path, key, secret)  # first: it refuses to overwrite an existing file
    try:
        registry_path = _write_registry_change(content, add, f"新增密钥 {label}")
    except BaseException:
        path.unlink(missing_ok=True)  # no private key without its registry entry
        raise
    return key, path, registry_path


@keys_group.command("new")
@click.option(
    "--department", help="部门 id（部门密钥必填）。 / The department (for department keys)."
)
@click.option(
    "--label", required=True, help="密钥名称，如“县市场监管局发布密钥”。 / A human label."
)
@click.option(
    "--role",
    type=click.Choice(["department", "witness"]),
    default="department",
    show_default=True,
    help="部门密钥或见证人密钥。 / A department's key or a witness's key.",
)
@click.option(
    "--witness-kind", type=click.Choice(WITNESS_KINDS), help="见证人类别。 / What kind of witness."
)
@click.option(
    "--kinds",
    default=None,
    help="可签名的记录种类，逗号分隔；默认全部（见证人：draw,void）。 / Record kinds it may sign.",
)
@click.option(
    "--valid-from", default=None, metavar="DATE", help="生效日期，默认今天。 / Default: today."
)
@click.option(
    "--valid-until",
    default=None,
    metavar="DATE",
    help="失效日期，默认五年后。 / Default: in five years.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="私钥文件（须在仓库之外），默认 ~/.config/gongkai/keys/。 / The private key file (outside the repository).",
)
@encrypt_option
@content_option
@handle_errors
def keys_new(
    department: str | None,
    label: str,
    role: str,
    witness_kind: str | None,
    kinds: str | None,
    valid_from: str | None,
    valid_until: str | None,
    out: Path | None,
    passphrase: bool,
    content_dir: Path,
) -> None:
    """新建密钥：私钥写到仓库之外，公钥写入密钥登记册草稿。

    Create a key: the private key goes outside the repository, the public key
    into a draft of the key registry.
    """
    if role == "department" and not department:
        raise click.UsageError("部门密钥须指定 --department / a department key needs --department")
    if role == "witness" and not witness_kind:
        raise click.UsageError(
            "见证人密钥须指定 --witness-kind / a witness key needs --witness-kind"
        )
    kind_list = (
        [k.strip() for k in kinds.split(",")]
        if kinds
        else (list(SIGNED_KINDS) if role == "department" else ["draw", "void"])
    )
    unknown = [k for k in kind_list if k not in SIGNED_KINDS]
    if unknown:
        raise click.BadParameter(
            f"unknown record kind (got {', '.join(unknown)}, expected some of: {', '.join(SIGNED_KINDS)})",
            param_hint="--kinds",
        )
    start = _date(valid_from, "--valid-from") if valid_from else _today()
    end = (
        _date(valid_until, "--valid-until")
        if valid_until
        else (dt.date.fromisoformat(start) + dt.timedelta(days=5 * 365)).isoformat()
    )
    if end < start:
        raise click.BadParameter(
            f"before --valid-from (got {end}, expected on or after {start})",
            param_hint="--valid-until",
        )
    key, path, registry = _new_key(
        content_dir,
        label,
        department if role == "department" else None,
        role,
        witness_kind,
        kind_list,
        start,
        end,
        out,
        passphrase,
    )
    click.echo(f"私钥 / private key: {path} (mode 0600{', encrypted' if passphrase else ''})")
    click.echo(f"keyid: {key.keyid}")
    click.echo(f"公钥已写入 / public key added to: {display_path(registry)}")
    click.echo(
        f"下一步 / next: 根信任的登记册签名密钥签署该文件：gongkai sign {display_path(registry)} --key ROOT_KEY"
    )


def _status(entry: dict[str, Any], today: str) -> str:
    rev = entry.get("revocation")
    if rev:
        if rev["reason"] == "compromised":
            return f"已泄露 compromised since {rev['compromised_since']}"
        return f"已更换 superseded on {rev['at']}"
    if entry["valid_until"] < today:
        return f"已过期 expired {entry['valid_until']}"
    if entry["valid_from"] > today:
        return f"未生效 from {entry['valid_from']}"
    return "有效 active"


@keys_group.command("new-secret")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def keys_new_secret(path: Path) -> None:
    """新建本部门的摇号密钥（分层依据保密时使用），存放在仓库之外。

    Create the department's draw secret: 32 random bytes (64 hex digits) in a
    new file readable by its owner only (0600). `gongkai draw --secret PATH`
    uses it to commit to each target's confidential class. Keep it outside the
    repository and back it up: without it no opening can be made again.
    """
    import secrets

    from .keyfile import create_private_file

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        create_private_file(path, (secrets.token_hex(32) + "\n").encode("ascii"))
    except FileExistsError:
        raise GongkaiError(
            f"{display_path(path)}: 文件已存在，未覆盖 / already exists; not overwritten"
        ) from None
    click.echo(f"已写入摇号密钥 / draw secret written: {display_path(path)} (mode 0600)")


@keys_group.command("list")
@content_option
@handle_errors
def keys_list(content_dir: Path) -> None:
    """列出密钥登记册中的全部密钥及其状态。 / List every key in the key registry and its status."""
    latest = _latest_registry(content_dir)
    signed = "已签名 signed" if latest.signatures is not None else "草稿 unsigned draft"
    click.echo(f"{display_path(Path(latest.path))} (version {latest.record.version}, {signed})")
    today = _today()
    for entry in latest.signed["keys"]:
        owner = entry.get("department") or entry.get("witness_kind")
        click.echo(
            f"  {entry['keyid'][:16]}  {entry['label']}  [{entry['role']}: {owner}]  "
            f"{entry['valid_from']}..{entry['valid_until']}  {_status(entry, today)}"
        )
        click.echo(f"                    kinds: {', '.join(entry['kinds'])}")


def _find(data: dict[str, Any], key: str) -> dict[str, Any]:
    matches = [k for k in data["keys"] if k["keyid"].startswith(key) or k["label"] == key]
    if len(matches) != 1:
        raise GongkaiError(
            f"{'no' if not matches else 'more than one'} key matches {key!r} (give more of its keyid)"
        )
    found: dict[str, Any] = matches[0]
    return found


@keys_group.command("revoke")
@click.argument("key")
@click.option(
    "--reason",
    type=click.Choice(["superseded", "compromised"]),
    required=True,
    help="更换（superseded）或泄露（compromised）。 / Why the key is revoked.",
)
@click.option(
    "--at", "at_date", default=None, metavar="DATE", help="吊销日期，默认今天。 / Default: today."
)
@click.option(
    "--compromised-since",
    default=None,
    metavar="DATE",
    help="泄露的最早可能日期（泄露时必填）。 / Earliest day it may have been in other hands.",
)
@content_option
@handle_errors
def keys_revoke(
    key: str, reason: str, at_date: str | None, compromised_since: str | None, content_dir: Path
) -> None:
    """吊销密钥（KEY 为 keyid 前缀或名称）。 / Revoke a key (KEY: a keyid prefix or its label).

    A superseded key still verifies what it signed before it was revoked; a
    compromised key fails everything signed from --compromised-since on.
    """
    if reason == "compromised" and not compromised_since:
        raise click.UsageError(
            "泄露须指定 --compromised-since / a compromised key needs --compromised-since"
        )
    at_date = _date(at_date, "--at") if at_date else None
    compromised_since = (
        _date(compromised_since, "--compromised-since") if compromised_since else None
    )
    label = ""

    def revoke(data: dict[str, Any]) -> None:
        nonlocal label
        entry = _find(data, key)
        if entry.get("revocation"):
            raise GongkaiError(f"key {entry['label']!r} is already revoked")
        label = entry["label"]
        entry["revocation"] = {"at": at_date or _today(), "reason": reason}
        if compromised_since:
            entry["revocation"]["compromised_since"] = compromised_since

    registry = _write_registry_change(content_dir, revoke, f"吊销密钥 {key}")
    click.echo(f"已吊销 / revoked: {label} ({reason}) in {display_path(registry)}")
    click.echo(f"下一步 / next: gongkai sign {display_path(registry)} --key ROOT_KEY")


@keys_group.command("rotate")
@click.argument("key")
@click.option("--label", required=True, help="新密钥的名称。 / The new key's label.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="新私钥文件。 / The new private key file.",
)
@click.option(
    "--passphrase", is_flag=True, help="用口令加密新私钥。 / Encrypt the new private key."
)
@content_option
@handle_errors
def keys_rotate(
    key: str, label: str, out: Path | None, passphrase: bool, content_dir: Path
) -> None:
    """轮换密钥：新建同权限的密钥，旧密钥标记为已更换。

    Rotate a key: a new key with the same role and kinds; the old one is
    revoked as superseded today.
    """
    old = _find(_latest_registry(content_dir).signed, key)
    today = _today()
    new_key, path, registry = _new_key(
        content_dir,
        label,
        old.get("department"),
        old["role"],
        old.get("witness_kind"),
        list(old["kinds"]),
        today,
        old["valid_until"] if old["valid_until"] > today else today,
        out,
        passphrase,
    )

    def supersede(data: dict[str, Any]) -> None:
        entry = _find(data, old["keyid"])
        entry["revocation"] = {"at": today, "reason": "superseded"}

    _write_registry_change(content_dir, supersede, f"轮换密钥 {old['label']}")
    click.echo(f"新私钥 / new private key: {path}")
    click.echo(
        f"新 keyid / new keyid: {new_key.keyid}; 旧密钥已标记更换 / old key superseded: {old['label']}"
    )
    click.echo(f"下一步 / next: gongkai sign {display_path(registry)} --key ROOT_KEY")


def sign_path(path: Path, key: PrivateKey) -> str:
    """Add ``key``'s signature to one record file. Returns what happened, in words."""
    loaded, problems = load_record_file(path)
    if loaded is None or problems:
        raise GongkaiError(
            f"{display_path(path)}: does not validate, so it cannot be signed; run gongkai validate"
        )
    text = path.read_text(encoding="utf-8")
    doc, _ = parse_yaml(text, str(path))
    assert doc is not None
    sigs = existing_signatures(doc.data)
    message = signing_input(loaded.signed)
    mine = [s for s in sigs if s.get("keyid") == key.keyid]
    outcome = "signed"
    if mine:
        try:
            valid = verify_bytes(key.public, message, decode_signature(mine[0].get("sig")))
        except SignatureFormatError:
            valid = False
        if valid and len(mine) == 1:
            return "already signed by this key"
        # The record changed since this key signed it (or the entry is broken): replace it.
        sigs = [s for s in sigs if s.get("keyid") != key.keyid]
        outcome = "re-signed: the record changed since this key signed it"
    sig = encode_signature(sign_bytes(key.seed, message))
    path.write_text(
        with_signatures(text, str(path), [*sigs, {"keyid": key.keyid, "sig": sig}]),
        encoding="utf-8",
    )
    return outcome


@click.command("sign")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@signing_key_options("私钥文件", "A private key file")
@handle_errors
def sign(paths: tuple[Path, ...], key_files: tuple[Path, ...], passphrase: bool) -> None:
    """为记录签名：在文件的 signatures 中加入本密钥的签名。

    Sign records: add this key's signature to each file's signatures.

    A draft becomes an envelope (signed + signatures); what is signed is never
    re-written. Signing again with the same key changes nothing.
    """
    keys = read_private_keys(key_files, passphrase)
    for path in paths:
        for key in keys:
            outcome = sign_path(path, key)
            click.echo(
                f"{display_path(path)}: {outcome} ({key.label}, {keyid_of(key.public)[:16]})"
            )
