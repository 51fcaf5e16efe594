"""The public view of records: what may be published, and nothing more.

Every published output (pages, JSON, CSV) is made from these functions, so
that private data has exactly one gate to pass and never does:

* model fields marked private (``x-private``: an inspector's gender, birth
  date and mobile number) are dropped from records;
* registry columns marked ``private`` (a sole trader's personal name, phone
  numbers) are dropped from registry rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from .models import TargetRegistry


def _is_private(info: Any) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("x-private") is True


def public_data(model: BaseModel, raw: Any) -> Any:
    """``raw`` (the record's data exactly as written) without its private fields.

    The model says which fields are private; the raw data keeps the published
    form exactly as the department wrote it.
    """
    if not isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {}
    fields = {info.alias or name: (name, info) for name, info in type(model).model_fields.items()}
    for key, value in raw.items():
        name, info = fields[key]
        if _is_private(info):
            continue
        attr = getattr(model, name)
        if isinstance(attr, BaseModel):
            out[key] = public_data(attr, value)
        elif isinstance(attr, list | tuple) and isinstance(value, list):
            out[key] = [
                public_data(a, v) if isinstance(a, BaseModel) else v
                for a, v in zip(attr, value, strict=True)
            ]
        else:
            out[key] = value
    return out


def public_columns(manifest: TargetRegistry) -> list[str]:
    """Names of the registry columns that may be published, in file order."""
    return [c.name for c in manifest.columns if c.visibility == "public"]


def public_rows(manifest: TargetRegistry, csv_path: str) -> Iterator[dict[str, str]]:
    """Registry rows, public columns only, streamed from the CSV."""
    keep = public_columns(manifest)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {name: row[name] for name in keep}
