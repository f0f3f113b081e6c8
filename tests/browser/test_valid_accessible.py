"""Every page, public and staff, in every shipped language, is valid HTML (the Nu HTML Checker) and has no
serious or critical accessibility problem (axe-core in Chromium, at 1280 and 390 px), with the demo
data: the walks of tests/page_walk.py reach every GET page of the app.

The checkers come from the npm registry (`make checkers` puts them in .cache/vnu; the Nu checker
needs Java). Without them these tests skip and say why; .ci/run installs them, so CI runs them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.page_walk import Walk, not_covered, seed_demo, walks

ROOT = Path(__file__).resolve().parents[2]
CHECKERS = ROOT / ".cache" / "vnu" / "node_modules"
VNU_JAR = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = CHECKERS / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
LANGS = ("zh-Hans", "zh-Hant", "en")  # every shipped language (tests configure all three)
SERIOUS = ("serious", "critical")


def _missing(reason: str) -> None:
    """Skip with the reason; fail instead in CI (REQUIRE_CHECKERS=1), where the checkers are installed."""
    if os.environ.get("REQUIRE_CHECKERS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _need(path: Path, what: str) -> None:
    if not path.exists():
        _missing(f"{what} is not installed: run `make checkers` (npm install into .cache/vnu)")


@pytest.fixture()
def vnu() -> list[str]:
    """The Nu HTML Checker's command line (checked before the demo is seeded, so a skip is quick)."""
    _need(VNU_JAR, "The Nu HTML Checker (npm package vnu-jar)")
    java = shutil.which("java")
    if java is None:
        _missing("Java is not installed (the Nu HTML Checker needs it: apt-get install default-jre-headless)")
    return [str(java), "-jar", str(VNU_JAR)]


@pytest.fixture()
def axe() -> str:
    _need(AXE_JS, "axe-core (npm package axe-core)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture()
def demo_walks(app: Any) -> dict[str, list[Walk]]:
    seed_demo(app)
    done = {lang: walks(app, lang) for lang in LANGS}
    assert not_covered(app, done["zh-Hans"]) == set()
    return done


def test_every_page_is_valid_html(vnu: list[str], demo_walks: dict[str, list[Walk]], tmp_path: Path) -> None:
    """0 errors from the Nu HTML Checker on every page, every language (it found 383: duplicate
    ids, `action=""`, an unescaped `<slug>`)."""
    where: dict[str, str] = {}
    for lang, done in demo_walks.items():
        for w in done:
            for visit in [*w.pages, *w.posted]:
                path = tmp_path / f"{len(where):04d}.html"
                path.write_bytes(visit.body)
                where[path.as_uri()] = f"{lang} {w.who} {visit.url}"
    assert len(where) > 200
    run = subprocess.run([*vnu, "--errors-only", "--format", "json", *sorted(
        uri.removeprefix("file://") for uri in where)], capture_output=True, text=True, check=False)
    errors = json.loads(run.stderr)["messages"]
    report = [f"{where.get(e.get('url', ''), e.get('url'))}: line {e.get('lastLine')}: {e['message']}" for e in errors]
    assert report == [], "\n".join(report[:40])


OVERFLOW = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const inBox = ['.table-wrap:not(:has(> table.stack))', 'table.stack thead', 'details:not([open])',
                 '.visually-hidden', '.hp', '.skip'].join(', ');
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > edge && !e.closest(inBox))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, wide: wide};
}"""


def test_every_page_passes_axe_at_both_widths(
    axe: str, demo_walks: dict[str, list[Walk]], browser: Any, live_server: Any
) -> None:
    """No serious or critical axe-core violation on any page, in every language, at 1280 and 390 px
    (it found the case page's private-note box without an accessible name). Nothing is loaded from
    another host: axe is injected from the local file. Each page also loads cleanly in the browser:
    no console error, no request answered 4xx/5xx (a stylesheet, script or image), and nothing wider
    than the window (the page never scrolls sideways; a wide data table scrolls inside its box)."""
    foreign: list[str] = []
    problems: list[str] = []
    broken: list[str] = []
    checked = 0
    for lang, done in demo_walks.items():
        for w in done:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                              base_url=live_server.url)
                context.on("request", lambda req: None if req.url.startswith(
                    (live_server.url, "data:", "about:")) else foreign.append(req.url))
                context.add_cookies([{"name": k, "value": v, "url": live_server.url} for k, v in w.cookies.items()])
                # The browser asks for /favicon.ico by itself on pages that name no icon (the newsletter's
                # mail preview): not a request of the page, so it is answered here and not counted.
                context.route(live_server.url + "/favicon.ico", lambda route, _req: route.fulfill(status=204))
                page = context.new_page()
                where = {"url": ""}
                page.on("console", lambda msg, where=where, lang=lang, width=width, who=w.who: broken.append(
                    f"{lang} {width}px {who} {where['url']}: console {msg.type}: {msg.text}")
                    if msg.type == "error" else None)
                page.on("pageerror", lambda exc, where=where, lang=lang, width=width, who=w.who: broken.append(
                    f"{lang} {width}px {who} {where['url']}: script error: {exc}"))
                page.on("response", lambda resp, where=where, lang=lang, width=width, who=w.who: broken.append(
                    f"{lang} {width}px {who} {where['url']}: {resp.status} for {resp.url}")
                    if resp.status >= 400 else None)
                try:
                    for visit in [*w.pages, *w.posted]:
                        where["url"] = visit.url
                        if visit in w.posted:  # a page only a POST shows: the browser gets its stored body
                            page.route(live_server.url + visit.url, lambda route, _req, body=visit.body: route.fulfill(
                                status=200, content_type="text/html; charset=utf-8", body=body))
                        page.goto(visit.url)
                        sides = page.evaluate(OVERFLOW)
                        if sides["scroll"] > sides["client"] or sides["wide"]:
                            broken.append(f"{lang} {width}px {w.who} {visit.url}: wider than the window "
                                          f"({sides['scroll']} > {sides['client']} px): {sides['wide']}")
                        page.evaluate(axe)
                        result = page.evaluate(
                            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
                        checked += 1
                        for v in result:
                            if v["impact"] in SERIOUS:
                                problems.append(f"{lang} {width}px {w.who} {visit.url}: {v['id']} ({v['impact']}): "
                                                f"{v['help']} at {v['nodes']}")
                finally:
                    context.close()
    assert foreign == [], f"pages requested other hosts: {foreign}"
    assert checked > 400
    assert problems == [], "\n".join(problems[:60])
    assert broken == [], "\n".join(broken[:60])
