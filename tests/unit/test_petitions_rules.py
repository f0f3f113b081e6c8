"""Pure rules of petitions: milestones, initials, Markdown sanitising, share links."""
from __future__ import annotations

from itertools import pairwise

from campaign.markup import render_markdown
from campaign.petitions.models import initials
from campaign.petitions.services import next_milestone
from campaign.petitions.share import share_links, tagged


def test_milestones_follow_the_expected_ladder():
    """The goal steps through 100, 500, 1,000, 5,000, 10,000, 50,000, 100,000, 500,000, ..."""
    ladder = [100, 500, 1000, 5000, 10000, 50000, 100000, 500000, 1000000]
    for low, high in pairwise(ladder):
        assert next_milestone(low) == high
        assert next_milestone(low - 1) == low
    assert next_milestone(0) == 100


def test_initials_for_latin_and_chinese_names():
    """Initials hide a name: 'Jane Doe' -> 'J. D.', '王小明' -> '王**'."""
    assert initials("Jane Doe") == "J. D."
    assert initials("王小明") == "王**"
    assert initials("   ") == ""


def test_markdown_keeps_formatting_and_drops_scripts_and_handlers():
    """Organisers' Markdown keeps its formatting; scripts, handlers and javascript: links are removed."""
    html = render_markdown("**bold** <script>x()</script> <img src=x onerror=y()> [a](javascript:z())")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_share_links_carry_their_channel():
    """Every share link sends visitors back with ?src=<channel>."""
    links = share_links(
        "https://example.org/petitions/a", "sign", {k: k for k in ("weibo", "telegram", "x", "whatsapp", "email")}
    )
    assert {link.channel for link in links} == {"weibo", "telegram", "x", "whatsapp", "email"}
    for link in links:
        assert f"src%3D{link.channel}" in link.href
    assert tagged("https://example.org/p", "wechat") == "https://example.org/p?src=wechat"
