"""The JSON Schemas in schemas/ are generated from the models and must not drift."""

from __future__ import annotations

import json
from pathlib import Path

from generator.schemas import drift, render_schemas, write_schemas
from tests.conftest import REPO


def test_committed_schemas_match_the_models() -> None:
    stale = drift(REPO / "schemas")
    assert not stale, (
        "schemas/ is out of date with generator/models.py: "
        + "; ".join(stale)
        + ". Regenerate with: gongkai schemas"
    )


def test_drift_is_detected(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    assert drift(tmp_path) == []
    target = tmp_path / "plan.v1.schema.json"
    target.write_text(target.read_text().replace("年度抽查计划", "x"), encoding="utf-8")
    (tmp_path / "old.schema.json").write_text("{}", encoding="utf-8")
    assert drift(tmp_path) == [
        "plan.v1.schema.json: out of date",
        "old.schema.json: not generated from any model",
    ]


def test_private_fields_are_marked_in_the_schema() -> None:
    schema = json.loads(render_schemas()["inspector-registry.v1.schema.json"])
    inspector = schema["$defs"]["Inspector"]["properties"]
    assert inspector["birth_date"]["x-private"] is True
    assert "x-private" not in inspector["name"]
