"""Hostile input: every public form, found by crawling the public pages of the demo, is fuzzed
with random Unicode (CJK, emoji, RTL marks, zero-width characters, NUL bytes, very long strings,
missing and repeated fields). It never answers 500."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.extensions import limiter

HOSTILE = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from("签名倡议开盒偷拍😀🙏\u202e\u200b\u200d\u0000<>&'\"=+-@\r\n\t"), max_size=200),
    st.sampled_from(["", " ", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "x" * 5000, "a@b", "\u202eevil"]),
)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self.links: list[str] = []
        self._current: dict[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "form":
            self._current = {}
            self.forms.append(((a.get("method") or "get").lower(), a.get("action") or "", self._current))
        elif tag in {"input", "textarea", "select"} and self._current is not None and a.get("name"):
            kind = a.get("type") or tag
            self._current.setdefault(a["name"] or "", []).append(kind)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _crawl(client, start: str = "/", limit: int = 40) -> dict[str, dict[str, list[str]]]:
    """Public pages reachable from the home page, and the POST forms on them (action -> fields)."""
    seen, queue, forms = set(), [start], {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for method, action, fields in parser.forms:
            if method == "post":
                forms[urljoin(path, action) if action else path] = fields
        for href in parser.links:
            parts = urlsplit(urljoin(path, href))
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static"):
                queue.append(parts.path)
    return forms


@pytest.fixture()
def public_forms(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    forms = _crawl(client)
    forms.setdefault("/login", {"email": ["email"], "password": ["password"]})
    return forms


def test_public_forms_never_fail_on_hostile_input(app, client, public_forms):
    """Whatever a stranger types into a public form, the answer is a page, never a server error."""
    app.config["RATELIMIT_ENABLED"] = False
    limiter.enabled = False
    failures: list[tuple[str, int]] = []
    try:
        for action, fields in public_forms.items():
            names = [n for n in fields if n not in {"csrf_token"}]

            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(
                values=st.fixed_dictionaries({n: HOSTILE for n in names}),
                drop=st.sets(st.sampled_from(names or ["x"])),
                repeat=st.booleans(),
            )
            def post(values, drop, repeat):
                data = {k: ([v, v + "2"] if repeat else v) for k, v in values.items() if k not in drop}
                response = client.post(action, data=data)  # noqa: B023  (post() runs within this iteration)
                if response.status_code >= 500:
                    failures.append((action, response.status_code))  # noqa: B023  (as above)

            post()
    finally:
        limiter.enabled = True
    assert failures == []
    assert len(public_forms) >= 1
