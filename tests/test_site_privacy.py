"""Private data never reaches the built site (issue: records, privacy)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from generator.site.build import build_site
from tests.conftest import REPO

SENTINEL_PERSON = "隐私哨兵甲乙丙"
SENTINEL_PHONE = "13912345678"


def _add_row_with_private_sentinels(content: Path) -> None:
    reg = content / "registries" / "targets" / "sjx-targets"
    csv_path = reg / "v1.csv"
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8").splitlines()))
    header = rows[0]
    new = dict(zip(header, rows[1], strict=True))
    new.update(
        uscc="91519031MA00000018",
        name="示例县哨兵测试有限公司",
        person_in_charge=SENTINEL_PERSON,
        phone=SENTINEL_PHONE,
    )
    from generator.codes import uscc_check_char

    new["uscc"] = new["uscc"][:17] + uscc_check_char(new["uscc"][:17])
    with csv_path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow([new[h] for h in header])
    data = csv_path.read_bytes()
    manifest = reg / "v1.yaml"
    text = manifest.read_text(encoding="utf-8")
    old_sha = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in text.splitlines()
        if line.strip().startswith("sha256:")
    )
    text = text.replace(old_sha, hashlib.sha256(data).hexdigest())
    text = text.replace(f"rows: {len(rows) - 1}", f"rows: {len(rows)}")
    manifest.write_text(text, encoding="utf-8")
    # The plan commits to the registry's digest: follow the change there too.
    plan = content / "plans" / "2023" / "SJX-2023" / "v1.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(old_sha, hashlib.sha256(data).hexdigest()),
        encoding="utf-8",
    )
    # Both records changed, so their department signs them again.
    from generator.keyfile import read_key_file
    from generator.keys_cli import sign_path

    key = read_key_file(Path(__file__).parent / "fixtures" / "test-keys" / "dept-scjgj.json")
    assert sign_path(manifest, key).startswith("re-signed")
    assert sign_path(plan, key).startswith("re-signed")


@pytest.mark.slow
def test_private_columns_and_fields_never_reach_the_site(
    content_copy: Path, tmp_path: Path
) -> None:
    _add_row_with_private_sentinels(content_copy)
    # The registry changed, so the draws made from its old snapshot no longer apply.
    shutil.rmtree(content_copy / "draws")
    site = build_site(REPO / "mkdocs.yml", tmp_path / "site", content_copy)

    private_values = {SENTINEL_PERSON, SENTINEL_PHONE}
    with (content_copy / "registries" / "targets" / "sjx-targets" / "v1.csv").open(
        encoding="utf-8"
    ) as fh:
        for row in csv.DictReader(fh):
            private_values.add(row["phone"])
    from generator.content import load_record_file
    from generator.models import InspectorRegistry

    loaded, _ = load_record_file(
        content_copy / "registries" / "inspectors" / "sjx-inspectors" / "v1.yaml"
    )
    assert loaded is not None
    assert isinstance(loaded.record, InspectorRegistry)
    for person in loaded.record.inspectors:
        assert person.mobile
        assert person.birth_date
        private_values.update({person.mobile, person.birth_date})

    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 50
    # The sentinel company is published (public columns) ...
    blob = b"".join(p.read_bytes() for p in files)
    assert "示例县哨兵测试有限公司".encode() in blob
    # ... but no private value is, in any file of any type.
    leaks = sorted(v for v in private_values if v.encode() in blob)
    assert leaks == []
    # The transparency log is served byte for byte at log/.
    for path in (content_copy / "log").rglob("*"):
        if path.is_file():
            served = site / "log" / path.relative_to(content_copy / "log")
            assert served.read_bytes() == path.read_bytes()
    assert (site / "log" / "checkpoint").is_file()
