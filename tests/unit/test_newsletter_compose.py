"""Pure parts of the newsletter: Markdown rendering, merge fields and the throttle."""
from __future__ import annotations

import time

from campaign.newsletter.compose import _mark_merge_fields, markdown_to_html, markdown_to_text
from campaign.newsletter.dispatch import Throttle


def test_markdown_is_sanitised_and_loads_nothing():
    """Nothing an organiser types becomes script, and no image can act as a tracking pixel."""
    html = markdown_to_html('Hi <script>alert(1)</script> ![x](https://tracker.example/p.gif) [ok](https://example.org)')
    assert "<script" not in html and "<img" not in html and 'href="https://example.org"' in html


def test_merge_fields_keep_their_fallbacks():
    """{{name}} and {{ name | 朋友 }} become slots, each remembering its own fallback."""
    fallbacks: list[str] = []
    marked = _mark_merge_fields("{{name}}，你好 {{ name | 朋友 }}", fallbacks)
    assert marked == "QZNAME0QZ，你好 QZNAME1QZ" and fallbacks == ["", "朋友"]


def test_plain_text_part_keeps_link_targets():
    """The plain-text part shows where each link goes."""
    assert markdown_to_text("## Title\n\n**Read** [the report](https://example.org/r)") == "Title\n\nRead the report (https://example.org/r)\n"


def test_throttle_spaces_messages_at_the_configured_rate():
    """At NEWSLETTER_RATE=20, eleven messages take at least half a second."""
    throttle = Throttle(20)
    started = time.monotonic()
    for _ in range(11):
        throttle.wait()
    assert time.monotonic() - started >= 0.49
