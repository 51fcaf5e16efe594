"""``gongkai log …``: the append-only transparency log of published records.

A thin shell around :mod:`generator.logfiles`; see docs/transparency-log.md.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import click

from .cli_common import content_option, handle_errors, signing_key_options
from .content import display_path
from .errors import GongkaiError
from .logfiles import (
    append,
    evidence,
    log_directory,
    log_role,
    now_in_china,
    published_file,
    read_checkpoint_file,
    read_log,
    remember,
    signature_verdict,
    state_file,
    trusted_roots,
    verify_log,
)
from .merkle import verify_inclusion
from .tlog import LogError, compare

STATUS_LABEL = {"pass": "通过 pass", "fail": "失败 FAIL", "not checked": "未核验 not checked"}


def _today() -> str:
    return dt.date.today().isoformat()


@click.group("log")
def log_group() -> None:
    """透明日志：只增不改的已发布记录日志（C2SP tlog-tiles）。

    The transparency log: every published record, append-only, in
    content/log/ as C2SP tlog-tiles with a signed checkpoint. See
    docs/transparency-log.md.
    """


@log_group.command("append")
@content_option
@signing_key_options("日志私钥文件", "A log private key file")
@handle_errors
def append_command(content_dir: Path, key_files: tuple[Path, ...], passphrase: bool) -> None:
    """把尚未记入日志的已签名记录追加到日志，并签署新的检查点。

    Append every signed record not yet in the log (by its own date, then its
    path) and sign a new checkpoint with the root's log key(s). A record that
    changed after it was logged is refused: publish a correction instead.
    """
    from .keys_cli import read_private_keys

    keys = read_private_keys(key_files, passphrase)
    now = now_in_china()
    new, cp = append(content_dir, keys, now, now)
    directory = display_path(log_directory(content_dir))
    if cp is None:
        size = read_log(log_directory(content_dir)).tree.size
        click.echo(
            f"全部已签名记录都已在日志中，未追加。 / Every signed record is already in the log; "
            f"nothing appended ({directory}, size {size})."
        )
        return
    click.echo(
        f"已追加 {len(new)} 条，日志共 {cp.size} 条。 / Appended {len(new)} entries; the log "
        f"has {cp.size} ({directory})."
    )
    click.echo(f"检查点 / checkpoint: {directory}/checkpoint")
    click.echo(f"  根哈希 / root: {cp.root.hex()} ({cp.root_b64})")


@log_group.command("verify")
@content_option
@click.option(
    "--root-sha256",
    metavar="HEX",
    default=None,
    help="固定根信任的 SHA-256。 / Pin the root of trust by its SHA-256.",
)
@click.option(
    "--no-remember",
    is_flag=True,
    help="不读写本机记住的检查点。 / Neither check against nor update the remembered checkpoint.",
)
@handle_errors
def verify_command(content_dir: Path, root_sha256: str | None, no_remember: bool) -> None:
    """核验日志：检查点签名、条目、哈希瓦片、与记录一一对应，以及与上次所见一致。

    Verify the log: the checkpoint's signature by the root's log key, the
    entries and hash tiles against the checkpoint's root, that every signed
    record is in the log and every entry matches a record, and that the log
    extends the checkpoint this machine saw last (remembered per log).
    """
    state = None if no_remember else state_file()
    pinned = root_sha256.lower() if root_sha256 else None
    report, may_remember = verify_log(content_dir, _today(), pinned, state)
    failures = [c for c in report.checks if c.status == "fail"]
    if failures:
        click.echo(f"失败的检查 / failed checks ({len(failures)}):")
        for c in failures:
            click.echo(f"  {c.number}. {c.subject}: {c.reason}")
        click.echo("")
    click.echo("全部检查 / all checks:")
    for c in report.checks:
        click.echo(f"  {c.number}. [{STATUS_LABEL[c.status]}] {c.subject}: {c.reason}")
    if report.evidence:
        click.echo("")
        for line in report.evidence:
            click.echo(line)
    counts = {s: sum(c.status == s for c in report.checks) for s in STATUS_LABEL}
    verdict = "通过 PASS" if report.ok else "未通过 FAIL"
    click.echo("")
    click.echo(
        f"结论 / verdict: {verdict} — {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['not checked']} not checked"
    )
    if state is not None and may_remember and report.checkpoint is not None:
        cp_path = log_directory(content_dir) / "checkpoint"
        remember(
            state, report.checkpoint, cp_path.read_text(encoding="utf-8"), str(cp_path.resolve())
        )
        click.echo(f"已记住检查点（{report.checkpoint.size} 条）/ checkpoint remembered in {state}")
    if not report.ok:
        sys.exit(1)


@log_group.command("prove")
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@content_option
@handle_errors
def prove_command(record: Path, content_dir: Path) -> None:
    """打印一条记录在日志中的包含证明，并核验它。

    Print the inclusion proof of a record in the log (its index, the tree
    size, the audit path) and verify it against the signed checkpoint.
    """
    rec = published_file(record)
    trust = trusted_roots(content_dir, _today())
    role = log_role(trust)
    log = read_log(log_directory(content_dir))
    cp = log.checkpoint
    if cp is None:
        raise LogError(
            f"{display_path(log_directory(content_dir))}: 还没有日志 / no log yet "
            "(run gongkai log append)"
        )
    ok, why = signature_verdict(cp, [role], log.checkpoint_path)
    if not ok:
        raise LogError(why)
    if not log.root_matches:
        raise LogError(
            f"{log.checkpoint_path}: 日志条目与检查点不符 / the log's entries do not match its "
            "checkpoint; run gongkai log verify"
        )
    index = next(
        (
            i
            for i in range(len(log.entries) - 1, -1, -1)
            if log.entries[i] == rec.entry(log.entries[i].logged_at)
        ),
        None,
    )
    if index is None:
        raise LogError(
            f"{rec.path}: 记录（按其当前内容和签名）不在日志中 / the record, as it is now, is not "
            "in the log (run gongkai log verify, then gongkai log append)"
        )
    entry = log.entries[index]
    first = next(e for e in log.entries if e.key == entry.key)
    proof = log.tree.inclusion_proof(index, cp.size)
    verify_inclusion(index, cp.size, entry.leaf, proof, cp.root)
    click.echo(f"记录 / record: {rec.path} ({rec.type} {rec.id} v{rec.version})")
    click.echo(f"条目 / entry: {entry.encode().decode('utf-8')}")
    click.echo(f"进入日志 / entered the log: {first.logged_at}")
    click.echo(f"序号 / index: {index}")
    click.echo(f"日志大小 / tree size: {cp.size}")
    click.echo(f"叶哈希 / leaf hash: {entry.leaf.hex()}")
    click.echo(f"审计路径 / audit path ({len(proof)} hashes):")
    for h in proof:
        click.echo(f"  {h.hex()}")
    click.echo(f"根哈希 / root hash: {cp.root.hex()} ({log.checkpoint_path})")
    click.echo(
        "已核验：审计路径从叶哈希算到已签名检查点的根哈希。 / Verified: the audit path leads "
        "from the leaf hash to the signed checkpoint's root (RFC 9162)."
    )


@log_group.command("consistency")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@content_option
@handle_errors
def consistency_command(old: Path, new: Path | None, content_dir: Path) -> None:
    """证明新日志是旧检查点的延续（RFC 9162 一致性证明），否则打印证据。

    Prove that the log of NEW (default: content/log/checkpoint) extends the
    log of the OLD checkpoint (an RFC 9162 consistency proof, built from the
    local log), or print the evidence that it does not.
    """
    trust = trusted_roots(content_dir, _today())
    log_role(trust)
    roles = [r.log for r in trust.roots if r.log is not None]
    new_path = new if new is not None else log_directory(content_dir) / "checkpoint"
    old_cp, old_text = read_checkpoint_file(old)
    new_cp, new_text = read_checkpoint_file(new_path)
    for cp, path in ((old_cp, old), (new_cp, new_path)):
        ok, why = signature_verdict(cp, roles, display_path(path))
        if not ok:
            raise LogError(why)
    log = read_log(log_directory(content_dir))
    verdict = compare(old_cp, new_cp, log.tree if log.complete else None)
    click.echo(
        f"旧检查点 / older: {display_path(old)} (size {old_cp.size}, root {old_cp.root.hex()})"
    )
    click.echo(
        f"新检查点 / newer: {display_path(new_path)} (size {new_cp.size}, root {new_cp.root.hex()})"
    )
    if verdict.ok:
        click.echo(f"一致性证明 / consistency proof (RFC 9162, {len(verdict.proof)} hashes):")
        for h in verdict.proof:
            click.echo(f"  {h.hex()}")
        click.echo(f"已核验 / verified: {verdict.reason}")
        return
    if verdict.ok is None:
        raise GongkaiError(f"无法判断 / cannot decide: {verdict.reason}")
    for line in evidence(
        verdict,
        (f"旧 / older: {display_path(old)}", old_text),
        (f"新 / newer: {display_path(new_path)}", new_text),
    ):
        click.echo(line)
    sys.exit(1)


@log_group.command("new-key")
@click.option(
    "--origin",
    required=True,
    help="日志名称，如 example.gov.cn/gongkai-log（无空格、无加号）。 / The log's name "
    "(no spaces or '+'): the first line of its checkpoints.",
)
@click.option("--label", required=True, help="密钥名称。 / A human label for the key.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="私钥文件，默认 ~/.config/gongkai/keys/log-<keyid>.json。 / Where to write the private key.",
)
@click.option(
    "--passphrase",
    is_flag=True,
    help="用口令加密私钥。 / Encrypt the private key with a passphrase.",
)
@content_option
@handle_errors
def new_key_command(
    origin: str, label: str, out: Path | None, passphrase: bool, content_dir: Path
) -> None:
    """新建日志签名密钥，写入根信任草稿，或打印应写入下一版根信任的 log 段。

    Create a log signing key (outside the repository, mode 0600). When the newest root
    of trust is an unsigned draft (a new repository: gongkai root new-key), the key is
    added to its `log:` role; otherwise the `log:` block to add to the next root version
    is printed. Also prints the key in the form other signed-note tools read.
    """
    from .checkpoint import valid_name, verifier_key
    from .keyfile import make_key, new_seed, write_key_file
    from .keys_cli import DEFAULT_KEY_DIR, _ask_passphrase, _repository_root
    from .root_cli import add_log_key, check_root, unsigned_root_draft, write_root_draft

    if not valid_name(origin) or not re.fullmatch(r"[!-*,-~]{1,200}", origin):
        raise click.BadParameter(
            f"日志名称须为可打印 ASCII，无空格、无加号 / printable ASCII without spaces or '+' "
            f"(got {origin!r})",
            param_hint="--origin",
        )
    key = make_key(new_seed(), label, None)
    draft = unsigned_root_draft(content_dir)
    if draft is not None:
        add_log_key(draft[0], origin, key.public)  # refuses another log's name: nothing written
        check_root(draft[0])
    path = (out or DEFAULT_KEY_DIR / f"log-{key.keyid[:16]}.json").expanduser()
    repo = _repository_root(Path.cwd())
    if repo is not None and repo in path.resolve().parents:
        raise GongkaiError(
            f"{path}: 私钥不能写在仓库内 / private keys must not be written inside the "
            f"repository ({repo}); choose --out elsewhere"
        )
    write_key_file(path, key, _ask_passphrase(confirm=True) if passphrase else None)
    click.echo(f"私钥 / private key: {path} (mode 0600{', encrypted' if passphrase else ''})")
    click.echo(f"签名笔记密钥 / signed-note verifier key: {verifier_key(origin, key.public)}")
    if draft is not None:
        data, draft_path = draft
        try:
            write_root_draft(draft_path, data, f"新增日志密钥 {label}")
        except BaseException:
            path.unlink(missing_ok=True)  # no private key without its place in the root
            raise
        click.echo(
            f"已写入根信任草稿 / added to the root draft: {display_path(draft_path)} (log: {origin})"
        )
        return
    click.echo("写入下一版根信任 / add to the next root version (content/root/N.yaml):")
    click.echo("  log:")
    click.echo(f"    origin: {origin}")
    click.echo("    keys:")
    click.echo(f'      - "{key.public}"')
    click.echo("    threshold: 1")
