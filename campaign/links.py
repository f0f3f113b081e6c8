"""Absolute links on BASE_URL, for mail and sharing.

Built from the URL map itself, so they work in a request, a worker job or a command alike, and
never on the Host header a request happened to carry.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
