"""JSON Schemas for every record kind, generated from the models.

``schemas/`` in the repository holds the output of :func:`render_schemas`;
``gongkai schemas --check`` (and a test) fails when the two drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from .bundle import DrawBundle
from .models import RECORD_KINDS, CalendarYear, SiteConfig, Strict

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _schema(model: type[Strict], name: str) -> dict[str, object]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://gongkai.example/schemas/{name}", **schema}


def render_schemas() -> dict[str, str]:
    """File name -> JSON text for every schema."""
    out: dict[str, str] = {}
    models: list[tuple[str, type[Strict]]] = [
        (record_type.replace("/", "."), model) for record_type, model in RECORD_KINDS.items()
    ]
    models.append(("site-config.v1", SiteConfig))
    models.append(("calendar.v1", CalendarYear))
    models.append(("draw-bundle.v1", DrawBundle))
    for stem, model in sorted(models):
        name = f"{stem}.schema.json"
        out[name] = (
            json.dumps(_schema(model, name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
    return out


def drift(directory: Path) -> list[str]:
    """Names of schema files that are missing, stale or unexpected in ``directory``."""
    wanted = render_schemas()
    present = {p.name for p in directory.glob("*.schema.json")} if directory.is_dir() else set()
    problems = []
    for name, text in wanted.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: out of date")
    problems.extend(
        f"{name}: not generated from any model" for name in sorted(present - set(wanted))
    )
    return problems


def write_schemas(directory: Path) -> list[str]:
    """Write every schema into ``directory``; remove stale ones. Returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = render_schemas()
    for stale in directory.glob("*.schema.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(wanted)
