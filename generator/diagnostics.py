"""Turn pydantic validation errors into ``path:line:col: field: message`` problems.

pydantic says *what* is wrong and at which data path; the parsed document
says *where* that path was written. Messages follow one form:
``what is wrong (got X, expected Y)``.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import Problem, describe
from .models import PATTERN_HELP
from .yamlsafe import Document, Path_

_FIELD_PREFIX = re.compile(
    r"^((?:[A-Za-z_][A-Za-z0-9_]*|\[\d+\])(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*): "
)
_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types a field annotation may hold (Annotated, Optional, list unwrapped)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            if arg is not type(None):
                out.extend(_unwrap(arg))
        return out
    return [tp]


def _model_for(tp: Any, data: Any) -> type[BaseModel] | None:
    """The model class a value of annotation ``tp`` validates against, if any."""
    models = [t for t in _unwrap(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    if len(models) == 1:
        return models[0]
    if isinstance(data, dict):  # a discriminated union: pick by its literal field
        for model in models:
            for name, info in model.model_fields.items():
                key = info.alias or name
                for lit in _unwrap(info.annotation):
                    if typing.get_origin(lit) is typing.Literal and data.get(
                        key
                    ) in typing.get_args(lit):
                        return model
    return None


def _element_type(tp: Any) -> Any:
    for t in _unwrap(tp):
        if typing.get_origin(t) in (list, dict):
            return typing.get_args(t)[-1]
    return None


def _resolve(
    model: type[BaseModel], data: Any, loc: tuple[int | str, ...]
) -> tuple[Path_, type[BaseModel] | None]:
    """Follow pydantic's ``loc`` through the data.

    Returns the data path (dropping union tags and validator names that
    pydantic adds to ``loc``) and the model that owns the last step.
    """
    path: list[str | int] = []
    current_model: type[BaseModel] | None = model
    current_tp: Any = None
    node = data
    owner: type[BaseModel] | None = model
    for n, part in enumerate(loc):
        is_last = n == len(loc) - 1
        if current_model is not None and isinstance(part, str):
            fields = {info.alias or name: info for name, info in current_model.model_fields.items()}
            info = fields.get(part)
            if info is None and not is_last and not (isinstance(node, dict) and part in node):
                continue  # a union tag that pydantic adds to loc
            owner = current_model
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
            if info is None:
                current_model, current_tp = None, None
                continue
            current_model = _model_for(info.annotation, node)
            current_tp = None if current_model else info.annotation
            continue
        stepped = False
        if isinstance(node, list) and isinstance(part, int):
            node, stepped = (node[part] if part < len(node) else None), True
        elif isinstance(node, dict) and part in node:
            node, stepped = node[part], True
        if stepped:
            path.append(part)
            elem = _element_type(current_tp) if current_tp is not None else None
            current_model = _model_for(elem, node) if elem is not None else None
            current_tp = None if current_model else elem
            continue
        if is_last and isinstance(part, str):
            path.append(part)  # a key that is absent from the data
            continue
        # a union member or validator name that is not in the data: skip it
        model_here = _model_for(current_tp, node) if current_tp is not None else None
        if model_here is not None:
            current_model, current_tp = model_here, None
    return tuple(path), owner


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _expected_fields(model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    names = [info.alias or name for name, info in model.model_fields.items()]
    return ", ".join(names)


def _unquote(text: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a, b or c"."""
    return re.sub(r"'([^']*)'", r"\1", text)


def _message(err: ErrorDetails, owner: type[BaseModel] | None, path: Path_) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required field is missing (got nothing, expected a value)"
    if kind == "extra_forbidden":
        allowed = _expected_fields(owner)
        return f"unknown field (got {path[-1]!r}, expected one of: {allowed})"
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        hint = ""
        if kind == "string_type" and isinstance(value, int | bool):
            hint = "; put it in quotes to make it text"
        elif kind == "int_type" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            hint = "; remove the quotes"
        return f"wrong type (got {describe(value)}, expected {expected}{hint})"
    if kind == "literal_error":
        options = _unquote(str(ctx.get("expected", ""))).replace(" or ", ", ")
        return f"value not allowed (got {describe(value)}, expected one of: {options})"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        expected = PATTERN_HELP.get(pattern, f"text matching {pattern}")
        return f"wrong format (got {describe(value)}, expected {expected.rstrip('.')})"
    if kind == "string_too_short":
        return f"must not be empty (got {describe(value)})"
    if kind == "string_too_long":
        return f"too long (got {len(value)} characters, expected at most {ctx.get('max_length')})"
    if kind == "too_short":
        return f"too few entries (got {ctx.get('actual_length')}, expected at least {ctx.get('min_length')})"
    if kind == "too_long":
        return f"too many entries (got {ctx.get('actual_length')}, expected at most {ctx.get('max_length')})"
    if kind == "greater_than_equal":
        return f"too small (got {describe(value)}, expected at least {ctx.get('ge')})"
    if kind == "less_than_equal":
        return f"too large (got {describe(value)}, expected at most {ctx.get('le')})"
    if kind == "union_tag_invalid":
        return (
            f"unknown {_unquote(str(ctx.get('discriminator', 'kind')))} "
            f"(got {ctx.get('tag')!r}, expected one of: {_unquote(str(ctx.get('expected_tags')))})"
        )
    if kind == "union_tag_not_found":
        return (
            f"required field {ctx.get('discriminator')} is missing (got nothing, expected a value)"
        )
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg']} (got {describe(value)})"


def problems_from_validation(
    exc: ValidationError, model: type[BaseModel], doc: Document, prefix: Path_ = ()
) -> list[Problem]:
    """One problem per pydantic error, placed at the line and column where the
    offending value (or, for a missing field, its parent) was written."""
    data = doc.data
    for part in prefix:
        data = data[part]
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path, owner = _resolve(model, data, tuple(err["loc"]))
        message = _message(err, owner, path)
        match = _FIELD_PREFIX.match(message)
        if err["type"] == "value_error" and match:
            extra = match.group(1)
            message = message[match.end() :]
            for piece in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[\d+\]", extra):
                path = (*path, int(piece[1:-1]) if piece.startswith("[") else piece)
        full = (*prefix, *path)
        key = err["type"] in ("extra_forbidden",)
        if err["type"] == "missing":
            line, col = doc.position(full[:-1])
        else:
            line, col = doc.position(full, key=key)
        out.append(Problem(doc.path, line, col, _dotted(full), message))
    return out
