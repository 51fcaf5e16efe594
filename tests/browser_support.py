"""One Chromium for every browser test module.

Playwright's sync API cannot run twice at once in a thread, so the session fixtures of
each browser test module share one Playwright and one browser here, started by the first
fixture that asks and closed when the last lets go.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_SHARED: dict[str, Any] = {"users": 0}


@contextlib.contextmanager
def shared_chromium(sync_api: Any, executable: str, args: list[str]) -> Iterator[Any]:
    if _SHARED["users"] == 0:
        manager = sync_api.sync_playwright()
        pw = manager.__enter__()
        try:
            _SHARED["browser"] = pw.chromium.launch(executable_path=executable, args=args)
        except BaseException:
            manager.__exit__(None, None, None)
            raise
        _SHARED["manager"] = manager
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            try:
                _SHARED.pop("browser").close()
            finally:
                _SHARED.pop("manager").__exit__(None, None, None)
