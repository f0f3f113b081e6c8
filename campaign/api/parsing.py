"""The API's request parser: webargs' own, plus an answer for JSON nested too deeply to parse."""
from __future__ import annotations

import json
from typing import Any

import flask
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class Parser(FlaskParser):
    """Python's JSON decoder recurses per level of nesting: `[[[[...]]]]` a few thousand deep, well
    within the body-size cap, raises RecursionError. That is a body we cannot read (400), not a bug.

    A query's unknown parameters follow the schema (ListArgs refuses them), not webargs' default of
    dropping them in silence."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            self._handle_invalid_json_error(json.JSONDecodeError("nested too deeply", "-", 0), req)


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint whose views read their arguments with `Parser`."""

    ARGUMENTS_PARSER = Parser()
