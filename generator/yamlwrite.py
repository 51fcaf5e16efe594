"""Writing records as YAML that the strict reader reads back to the same data.

Block style, two-space indents, keys in the order given, and a string quoted
only when it would otherwise be read as something else (a number, a date-like
text stays plain only when the core schema keeps it text). No floats, anchors,
aliases or tags are ever written.
"""

from __future__ import annotations

import re
from typing import Any


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text for a mapping of plain data, ending with a newline."""
    return _block(data) + "\n"


def _q(value: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block(data: Any, indent: int = 0) -> str:
    """Block-style YAML for plain data, every string quoted: always re-read the same."""
    pad = "  " * indent
    if isinstance(data, dict):
        if not data:
            return "{}"
        lines = []
        for key, value in data.items():
            if (isinstance(value, dict) and value) or (isinstance(value, list) and value):
                lines.append(f"{pad}{key}:\n{_block(value, indent + 1)}")
            else:
                lines.append(f"{pad}{key}: {_block(value, indent + 1)}")
        return "\n".join(lines)
    if isinstance(data, list):
        if not data:
            return "[]"
        lines = []
        for value in data:
            if isinstance(value, dict) and value:
                inner = _block(value, indent + 1).lstrip()
                lines.append(f"{pad}- {inner}")
            else:
                lines.append(f"{pad}- {_block(value, indent + 1)}")
        return "\n".join(lines)
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int):
        return str(data)
    text = str(data)
    if _PLAIN.match(text) and not _RESOLVES.match(text):
        return text
    return _q(text)


_PLAIN = re.compile(r"^[\w\u3000-\u303f\u4e00-\u9fff\uff00-\uffef《》“”‘’（）、，。；：/.@-]+$")
_RESOLVES = re.compile(
    r"^(?:[-@.]|~$|null$|Null$|NULL$|true$|True$|TRUE$|false$|False$|FALSE$|[-+]?[0-9]|0o|0x|[-+]?\.)"
)
