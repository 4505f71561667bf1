"""Languages: Dutch by default, English per user (Flask-Babel); times shown in Europe/Amsterdam.

Templates write their Dutch text inside ``_()``; the English catalogue lives in webapp/translations.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, request
from flask_babel import Babel, get_locale
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.services.translation import compile_catalogues
from webapp.services.users import LANGUAGES, set_language
from webapp.web.security import local_referrer, safe_redirect_target
from webapp.web.support import actor, origin, services

bp = Blueprint("i18n", __name__)


def _locale() -> str:
    if current_user.is_authenticated:
        return str(current_user.actor.language)
    return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"


def register_i18n(app: Flask) -> None:
    compile_catalogues()
    Babel(app, locale_selector=_locale, default_locale="nl", default_timezone="Europe/Amsterdam")
    app.register_blueprint(bp)

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"current_language": str(get_locale() or "nl"), "languages": LANGUAGES}


@bp.post("/account/language")
@login_required
def change_language() -> Response:
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    set_language(services(), actor(), language, origin())
    flash("Taal gewijzigd." if language == "nl" else "Language changed.", "success")
    # Back to the page the switch was pressed on, when that is a page of this site.
    return redirect(safe_redirect_target(local_referrer()))
