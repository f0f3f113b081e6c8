"""The staff lists read on a 390 px phone with the demo data: tables become one card per row, each
cell labelled by its column, nothing runs off the side, and a page of the volunteer list stays a
page, not a wall (it was 9,000 px tall, with columns one or two characters wide)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.page_walk import seed_demo, signed_in

PHONE = {"width": 390, "height": 844}
MEASURE = """() => {
  const cells = [...document.querySelectorAll('table.stack td')].filter(td => td.textContent.trim());
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
    rows: document.querySelectorAll('table.stack tbody tr').length,
    body: Math.max(0, ...[...document.querySelectorAll('table.stack tbody')]
      .map(b => b.getBoundingClientRect().height)),
    tableTop: Math.min(...[...document.querySelectorAll('table.stack')]
      .map(t => t.getBoundingClientRect().top)),
    narrowest: Math.min(...cells.map(td => td.getBoundingClientRect().width)),
    labelled: cells.filter(td => getComputedStyle(td, '::before').content
      .includes(td.dataset.label || '\\u0000')).length,
    cells: cells.length,
  };
}"""

LISTS = ["/staff/volunteers", "/admin/users", "/admin/audit", "/staff/petitions", "/staff/groups",
         "/staff/newsletter"]


@pytest.fixture()
def staff_context(app: Any, browser: Any, live_server: Any) -> Any:
    seed_demo(app)
    client = signed_in(app, "admin@example.org")
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=False)
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    yield context
    context.close()


def test_staff_lists_stack_into_labelled_cards_on_a_phone(staff_context: Any) -> None:
    page = staff_context.new_page()
    for lang in ("zh", "en"):
        for url in LISTS:
            response = page.goto(f"{url}?lang={lang}")
            assert response is not None and response.status == 200, url
            figures = page.evaluate(MEASURE)
            print(lang, url, figures)
            assert figures["scrollWidth"] <= figures["clientWidth"], (url, figures)
            if figures["cells"]:
                assert figures["narrowest"] >= 60, (url, figures)
                assert figures["labelled"] == figures["cells"], (url, figures)
    page.goto("/staff/volunteers?lang=zh")
    figures = page.evaluate(MEASURE)
    assert figures["rows"] == 50  # the demo's volunteers fill a page, and the next is a link away
    assert figures["body"] / figures["rows"] < 150, figures  # a card of a few lines per person
    assert figures["tableTop"] < 2 * PHONE["height"], figures  # the list starts near the top: filters fold
    assert page.get_by_role("link", name="下一页").count() + page.locator("a[rel=next]").count() > 0


def test_staff_home_cards_carry_no_stray_bullets(staff_context: Any) -> None:
    """The staff home's cards are a list without markers, as wide as the page's text on a phone
    (they were indented behind stray bullet points)."""
    page = staff_context.new_page()
    page.goto("/staff?lang=zh")
    found = page.evaluate("""() => {
      const cards = [...document.querySelectorAll('ul.grid > li.card')];
      const main = document.querySelector('h1').getBoundingClientRect();
      return {cards: cards.length, markers: cards.filter(c => getComputedStyle(c).listStyleType !== 'none').length,
              indented: cards.filter(c => c.getBoundingClientRect().left > main.left + 1).length};
    }""")
    assert found["cards"] >= 5, found
    assert found["markers"] == 0 and found["indented"] == 0, found
