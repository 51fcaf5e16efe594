"""Sign the demonstration content with the demo's TEST keys.

The demo's private keys are test keys: derived from fixed labels, published in
``tests/fixtures/test-keys/`` and labelled as such. They never live in
``content/``. This module writes the demo root of trust and key registry and
signs every record of the demo with the key of the department that made it.

    python -m generator.demo_signing [--content content] [--keys tests/fixtures/test-keys]

Ed25519 signatures are deterministic, so signing twice gives the same files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .canonical import record_digest
from .content import load_record_file
from .envelope import existing_signatures, with_signatures
from .keyfile import PrivateKey, key_document, make_key, read_key_file
from .logfiles import append, log_directory
from .models import SIGNED_KINDS, Draw, KeyRegistry, Root, Void
from .signing import encode_signature, sign_bytes, signing_input
from .tlog import Published
from .yamlsafe import parse_yaml
from .yamlwrite import dump_yaml

DEMO_NOTE = "# 示例数据（虚构辖区“示例县”），仅供演示。由 python -m generator.demo_signing 生成。\n"
ALL_KINDS = list(SIGNED_KINDS)

ROOT_HOLDERS = [
    ("root-1", "示例县根密钥一（示例）", "示例县人民政府办公室"),
    ("root-2", "示例县根密钥二（示例）", "示例县司法局"),
    ("root-3", "示例县根密钥三（示例）", "示例县政务服务和大数据管理局"),
]
WITNESSES = [
    ("witness-notary", "示例县公证处见证密钥（示例）", "公证处"),
    ("witness-discipline", "示例县纪委监委派驻纪检监察组见证密钥（示例）", "纪检监察"),
    ("witness-npc", "示例县人大代表见证密钥（示例）", "人大代表"),
    ("witness-media", "示例日报社见证密钥（示例）", "新闻媒体"),
]
LOG_KEY = ("log-1", "示例县透明日志签名密钥（示例）")
LOG_ORIGIN = "sjx.gongkai.example/log"
"""The demo log's name: the first line of its checkpoints and their key name."""
OLD_SCJGJ = "scjgj-2021"
"""A key the market regulator used until mid-2022: superseded, still valid for what it signed."""


DEMO_LOG_CHECKED_ON = "2024-01-02"
"""The day the demo log is written, as far as the root's expiry is concerned."""


def test_seed(name: str) -> bytes:
    """The fixed seed of a demo test key: SHA-256 of its name. Not secret."""
    return hashlib.sha256(f"gongkai demo TEST key|{name}".encode()).digest()


def write_test_keys(directory: Path, departments: Sequence[tuple[str, str]]) -> None:
    """Write every demo test key file into ``directory`` (a test fixture)."""
    directory.mkdir(parents=True, exist_ok=True)
    names: list[tuple[str, str, str | None]] = [(n, label, None) for n, label, _ in ROOT_HOLDERS]
    names += [(f"dept-{d}", f"{name}发布密钥（示例）", d) for d, name in departments]
    names += [(f"dept-{OLD_SCJGJ}", "示例县市场监督管理局旧发布密钥（示例，已更换）", "scjgj")]
    names += [(n, label, None) for n, label, _ in WITNESSES]
    names += [(LOG_KEY[0], LOG_KEY[1], None)]
    for name, label, dept in names:
        key = make_key(test_seed(name), label, dept)
        doc = key_document(key, None, test_key=True)
        (directory / f"{name}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _key(keys_dir: Path, name: str) -> PrivateKey:
    return read_key_file(keys_dir / f"{name}.json")


def _sign(data: dict[str, Any], keys: Sequence[PrivateKey]) -> list[dict[str, str]]:
    message = signing_input(data)
    return [{"keyid": k.keyid, "sig": encode_signature(sign_bytes(k.seed, message))} for k in keys]


def _write_signed(path: Path, data: dict[str, Any], keys: Sequence[PrivateKey]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = DEMO_NOTE + dump_yaml(data)
    path.write_text(with_signatures(text, str(path), _sign(data, keys)), encoding="utf-8")


def root_record(keys_dir: Path) -> dict[str, Any]:
    roots = [_key(keys_dir, n) for n, _, _ in ROOT_HOLDERS]
    log = _key(keys_dir, LOG_KEY[0])
    return {
        "_type": "root/v1", "id": "root", "version": 1, "supersedes": None,
        "name": "示例县“双随机、一公开”根信任（示例）",
        "published_on": "2023-01-03", "expires": "2030-12-31",
        "keys": [{"public": k.public, "label": k.label, "holder": h} for k, (_, _, h) in zip(roots, ROOT_HOLDERS, strict=True)],
        "threshold": 2,
        "key_registry": {"keys": [k.keyid for k in roots], "threshold": 2},
        "log": {"origin": LOG_ORIGIN, "keys": [log.public], "threshold": 1},
    }  # fmt: skip


def key_registry_record(keys_dir: Path, departments: Sequence[tuple[str, str]]) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    old = _key(keys_dir, f"dept-{OLD_SCJGJ}")
    entries.append({
        "keyid": old.keyid, "public": old.public, "label": old.label, "role": "department",
        "department": "scjgj", "kinds": ALL_KINDS[:-2], "valid_from": "2015-01-01", "valid_until": "2025-12-31",
        "revocation": {"at": "2022-06-30", "reason": "superseded"},
    })  # fmt: skip
    for dept, _ in departments:
        k = _key(keys_dir, f"dept-{dept}")
        entries.append({
            "keyid": k.keyid, "public": k.public, "label": k.label, "role": "department",
            "department": dept, "kinds": ALL_KINDS, "valid_from": "2015-01-01", "valid_until": "2030-12-31",
        })  # fmt: skip
    for name, _, kind in WITNESSES:
        k = _key(keys_dir, name)
        entries.append({
            "keyid": k.keyid, "public": k.public, "label": k.label, "role": "witness",
            "witness_kind": kind, "kinds": ["draw", "void"], "valid_from": "2022-01-01", "valid_until": "2030-12-31",
        })  # fmt: skip
    return {
        "_type": "keys/v1", "id": "keys", "version": 1, "supersedes": None,
        "name": "示例县签名密钥登记册（示例）", "published_on": "2023-01-03", "keys": entries,
        "requirements": {
            "draw": [{"signer": "department", "count": 1}, {"signer": "witness", "count": 1}],
            "void": [{"signer": "department", "count": 1}, {"signer": "witness", "count": 1}],
        },
    }  # fmt: skip


def signing_keys_for(record_path: Path, keys_dir: Path) -> list[PrivateKey]:
    """The keys that sign a demo record: its department's (the old market-regulation
    key for records dated before it was superseded), and for a draw a witness too."""
    loaded, problems = load_record_file(record_path)
    if loaded is None or problems:
        raise SystemExit(f"cannot sign {record_path}: {[str(p) for p in problems]}")
    rec = loaded.record
    if isinstance(rec, Root | KeyRegistry):
        return []
    dept = rec.signing_department()
    if dept is None:
        return []
    when = rec.signed_on() or ""
    name = OLD_SCJGJ if dept == "scjgj" and when < "2022-06-30" else dept
    keys = [_key(keys_dir, f"dept-{name}")]
    if isinstance(rec, Draw | Void):
        keys.append(_key(keys_dir, "witness-notary"))
    return keys


def sign_file(path: Path, keys: Sequence[PrivateKey]) -> bool:
    """Add signatures by ``keys`` that the file lacks. Returns True when it changed."""
    text = path.read_text(encoding="utf-8")
    doc, problems = parse_yaml(text, str(path))
    if doc is None or problems:
        raise SystemExit(f"cannot sign {path}: {[str(p) for p in problems]}")
    data = doc.data
    signed = data.get("signed", data)
    sigs = existing_signatures(data)
    have = {s["keyid"] for s in sigs}
    new = [s for s in _sign(signed, keys) if s["keyid"] not in have]
    if not new and "signed" in data:
        return False
    path.write_text(with_signatures(text, str(path), sigs + new), encoding="utf-8")
    return True


def sign_demo(content: Path, keys_dir: Path, departments: Sequence[tuple[str, str]]) -> int:
    """Write the demo root and key registry, then sign every record. Returns files changed."""
    roots = [_key(keys_dir, n) for n, _, _ in ROOT_HOLDERS]
    _write_signed(content / "root" / "1.yaml", root_record(keys_dir), roots[:2])
    _write_signed(
        content / "keys" / "v1.yaml", key_registry_record(keys_dir, departments), roots[:2]
    )
    changed = 0
    for path in sorted(content.rglob("*.yaml")):
        if path.parent.name in ("root", "keys"):
            continue
        keys = signing_keys_for(path, keys_dir)
        if keys and sign_file(path, keys):
            changed += 1
    write_demo_log(content, keys_dir)
    return changed


def demo_log_time(record: Published) -> str:
    """The demo pretends its log existed all along: each record entered it at 09:00
    China time on the day it states for itself."""
    return f"{record.date}T09:00:00+08:00"


def write_demo_log(content: Path, keys_dir: Path) -> None:
    """Write the demo's transparency log (content/log/) afresh: every signed record,
    by its date then its path, and a checkpoint signed with the TEST log key."""
    directory = log_directory(content)
    if directory.exists():
        shutil.rmtree(directory)
    append(content, [_key(keys_dir, LOG_KEY[0])], demo_log_time, DEMO_LOG_CHECKED_ON)


def root_digest(content: Path) -> str:
    loaded, _ = load_record_file(content / "root" / "1.yaml")
    assert loaded is not None
    assert isinstance(loaded.record, Root)
    return record_digest(loaded.signed)


def main(argv: Sequence[str] | None = None) -> int:
    from .demo import DEPARTMENTS

    parser = argparse.ArgumentParser(
        description="用示例测试密钥签名演示数据 / sign the demo with its TEST keys"
    )
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--keys", type=Path, default=Path("tests/fixtures/test-keys"))
    parser.add_argument(
        "--write-keys", action="store_true", help="(re)write the test key files first"
    )
    args = parser.parse_args(argv)
    departments = [(d["id"], d["name"]) for d in DEPARTMENTS]
    if args.write_keys:
        write_test_keys(args.keys, departments)
    changed = sign_demo(args.content, args.keys, departments)
    print(f"signed {changed} file(s); root of trust SHA-256: {root_digest(args.content)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
