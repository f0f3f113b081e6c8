"""/my-data: ask for a copy of your data, or for its deletion, by a link sent to your address."""
from __future__ import annotations

import json

from flask import Response, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from campaign.access import public
from campaign.extensions import limiter
from campaign.rights import bp
from campaign.rights import services as rights
from campaign.rights.forms import AccessForm, RequestForm


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit("5 per 10 minutes", methods=["POST"])
def start() -> str:
    form = RequestForm()
    if form.validate_on_submit():
        rights.request_link(form.email.data or "", str(get_locale()))
        return render_template("rights/sent.html")
    return render_template("rights/start.html", form=form)


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per 10 minutes", methods=["POST"])
def open_link(token: str) -> Response | str | tuple[str, int]:
    form = AccessForm()
    if form.validate_on_submit():
        try:
            address = rights.check(token, form.email.data or "")
        except rights.LinkInvalid:
            return render_template("core/message.html", title=_("Your data"),
                                   message=_("This link is not valid or has expired. Ask for a new one.")), 400
        except rights.WrongAddress:
            form.email.errors = [_("This is not the address the link was sent to.")]
            return render_template("rights/open.html", form=form), 400
        if form.erase.data:
            if not form.confirm_erase.data:
                form.confirm_erase.errors = [_("Tick the box to confirm.")]
                return render_template("rights/open.html", form=form), 400
            rights.erase(address)
            return render_template(
                "core/message.html",
                title=_("Your data"),
                message=_("Your personal data has been erased. Counts stay, without your name or address."),
            )
        body = json.dumps(rights.export(address), ensure_ascii=False, indent=2, default=str)
        return Response(body, mimetype="application/json",
                        headers={"Content-Disposition": "attachment; filename=my-data.json"})
    return render_template("rights/open.html", form=form)
