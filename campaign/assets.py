"""Static files under content-hashed URLs, cached by browsers for a year.

Templates write `{{ static_url('css/site.css') }}`, which gives `/static/css/site.css?v=<hash>`,
the hash being the first 12 hex digits of the file's SHA-256. A request whose `v` matches the
file's current content is answered with `Cache-Control: public, max-age=31536000, immutable`:
the browser never asks again, and a changed file gets a new URL. Any other request for a static
file (no `v`, or an old one) gets the ordinary revalidating answer. The hash sits in the query
rather than the file name so that a reverse proxy serving /static/ from disk finds the file.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

YEAR = 365 * 24 * 3600
# path -> ((mtime_ns, size), digest): re-hashed only when the file changes.
_DIGESTS: dict[str, tuple[tuple[int, int], str]] = {}


def digest(filename: str) -> str | None:
    """The content hash of a file under the static folder, or None if there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    path = Path(folder, filename)
    try:
        resolved = path.resolve(strict=True)
        if not resolved.is_relative_to(Path(folder).resolve()):
            return None
        stat = os.stat(resolved)
    except (OSError, ValueError):
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = str(resolved)
    known = _DIGESTS.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    value = hashlib.sha256(resolved.read_bytes()).hexdigest()[:12]
    _DIGESTS[key] = (stamp, value)
    return value


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash, for templates."""
    value = digest(filename)
    if value is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=value)


def init_app(app: Flask) -> None:
    app.add_template_global(static_url)

    def static(filename: str) -> Response:
        response = app.send_static_file(filename)
        hashed = request.args.get("v")
        if hashed and hashed == digest(filename):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response

    if "static" in app.view_functions:
        app.view_functions["static"] = static
