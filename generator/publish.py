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
import functools
import typing
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
    form exactly as the department wrote it. A model with no private field at any
    depth (most records) gives ``raw`` itself.
    """
    if not isinstance(raw, dict) or not _private_below(type(model)):
        return raw
    out: dict[str, Any] = {}
    fields = _fields(type(model))
    for key, value in raw.items():
        name, private = fields[key]
        if private:
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


@functools.cache
def _fields(cls: type[BaseModel]) -> dict[str, tuple[str, bool]]:
    """Key as written -> (attribute, whether the field is private), for a model class."""
    return {
        info.alias or name: (name, _is_private(info)) for name, info in cls.model_fields.items()
    }


@functools.cache
def _private_below(cls: type[BaseModel]) -> bool:
    """Whether a model, or a model inside it at any depth, has a private field."""
    return any(
        _is_private(info)
        or any(_private_below(sub) for sub in _models_in(info.annotation) if sub is not cls)
        for info in cls.model_fields.values()
    )


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The model classes an annotation names (in unions, lists, Annotated, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def public_columns(manifest: TargetRegistry) -> list[str]:
    """Names of the registry columns that may be published, in file order."""
    return [c.name for c in manifest.columns if c.visibility == "public"]


def public_rows(manifest: TargetRegistry, csv_path: str) -> Iterator[dict[str, str]]:
    """Registry rows, public columns only, streamed from the CSV."""
    keep = public_columns(manifest)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {name: row[name] for name in keep}
