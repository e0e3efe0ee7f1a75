"""Every `url_for('static', ...)` carries `?v=<MD5 of the file>`, the same revision Workbox
computes when it precaches the file (package.json `build:sw`), so a page only ever asks for
the files it was built with and a new file is a new URL."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app

_cache: dict[str, tuple[float, str]] = {}


def file_version(filename: str) -> str | None:
    path = Path(current_app.static_folder) / filename
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _cache.get(str(path))
    if cached is None or cached[0] != mtime:
        cached = (mtime, hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest())
        _cache[str(path)] = cached
    return cached[1]


def add_static_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = file_version(values["filename"])
        if version:
            values["v"] = version


def init_app(app: Flask) -> None:
    app.url_defaults(add_static_version)
