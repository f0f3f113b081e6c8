"""Translatable content: the fallback order readers get, the marking of a fallback, and the form
field that takes one text per configured language."""
from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import MultiDict

from campaign.content import Shown, TranslatedField, fallback_order, pick, shown_in, written
from campaign.forms import FlaskForm
from campaign.i18n import configured

THREE = configured(["zh_Hans", "zh_Hant", "en"])
FOUR = configured(["zh_Hans", "en", "zh_Hant", "ko"])


def test_traditional_falls_back_to_simplified_then_english():
    assert fallback_order("zh_Hant", THREE) == ("zh_Hant", "zh_Hans", "en")
    assert fallback_order("zh-TW", THREE) == ("zh_Hant", "zh_Hans", "en")
    assert fallback_order("en", THREE) == ("en", "zh_Hans", "zh_Hant")
    # Another script of the reader's language comes before the configured order.
    assert fallback_order("zh_Hant", FOUR) == ("zh_Hant", "zh_Hans", "en", "ko")
    assert fallback_order("ko", FOUR) == ("ko", "zh_Hans", "en", "zh_Hant")


def test_pick_says_which_language_it_shows():
    values = {"zh_Hans": "简体", "en": "English"}
    shown = pick(values, "zh_Hant", THREE)
    assert shown == "简体" and shown.locale == "zh_Hans" and shown.fallback
    assert not pick(values, "en", THREE).fallback
    # A text only in a language no longer configured is still shown, rather than nothing.
    assert pick({"ja": "日本語"}, "en", THREE) == "日本語"
    empty = pick({}, "en", THREE)
    assert empty == "" and not empty.fallback


def test_a_fallback_is_marked_with_its_language_and_escaped():
    assert str(shown_in(Shown("<b>x</b>", "zh_Hans", "zh_Hant"))) == '<span lang="zh-Hans">&lt;b&gt;x&lt;/b&gt;</span>'
    assert str(shown_in(Shown("<b>x</b>", "en", "en"))) == "&lt;b&gt;x&lt;/b&gt;"


def test_written_keeps_only_texts():
    assert written({"zh_Hans": " 标题 ", "en": "  ", "zh_Hant": ""}) == {"zh_Hans": "标题"}


class _Form(FlaskForm):
    class Meta:
        csrf = False

    title = TranslatedField("Title", max_length=10, required=True)
    body = TranslatedField("Body", long=True, max_length=100)


def _app(codes: list[str]) -> Flask:
    from campaign import i18n

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", LANGUAGES=codes, WTF_CSRF_ENABLED=False)
    i18n.init_app(app)
    return app


def test_the_field_has_one_input_per_configured_language_and_requires_the_first():
    app = _app(["zh_Hans", "zh_Hant", "en", "ko"])
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict({"title-zh_Hant": "標題", "title-ko": "제목", "body-en": " text "}))
        assert list(form.title.parts) == ["zh_Hans", "zh_Hant", "en", "ko"]
        assert not form.validate()
        assert form.title.parts["zh_Hans"].errors and not form.title.parts["ko"].errors
        assert form.body.data == {"en": "text"}
        assert form.title.missing_in("zh_Hans") and not form.title.missing_in("ko")
        html = str(form.title.parts["ko"]())
        assert 'name="title-ko"' in html and 'lang="ko"' in html


def test_the_field_refuses_a_text_too_long_in_any_language_and_keeps_what_was_typed():
    app = _app(["zh_Hans", "en"])
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict({"title-zh_Hans": "标题", "title-en": "x" * 11}))
        assert not form.validate()
        assert form.title.parts["en"].errors
        assert form.title.data == {"zh_Hans": "标题", "en": "x" * 11}


def test_the_field_shows_what_is_stored():
    app = _app(["zh_Hans", "en"])
    with app.test_request_context():
        form = _Form(data={"title": {"zh_Hans": "标题", "en": "Title"}})
        assert form.title.parts["en"].data == "Title"
        assert 'value="标题"' in str(form.title.parts["zh_Hans"]())
