"""Markdown written by staff or volunteers, turned into HTML that can do no harm.

One sanitiser for every feature: nh3 keeps only the tags given, links only to http(s) and mailto,
and marks them nofollow; scripts, event handlers, styles and remote images never survive.
"""
from __future__ import annotations

from collections.abc import Mapping

import markdown
import nh3

SAFE_TAGS = frozenset({
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote",
    "hr", "code", "pre",
})


def render_markdown(text: str, tags: frozenset[str] | set[str] = SAFE_TAGS) -> str:
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=set(tags),
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def render_translations(texts: Mapping[str, str]) -> dict[str, str]:
    """Each language's Markdown ({locale code: text}) rendered to sanitised HTML: done once, when
    a text is saved, so showing it renders nothing."""
    return {code: render_markdown(text) for code, text in texts.items()}
