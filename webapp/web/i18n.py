"""Languages: Dutch by default, English per user (Flask-Babel); times shown in Europe/Amsterdam.

Templates write their Dutch text inside ``_()``; the English catalogue lives in webapp/translations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import Babel, get_locale
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.services.users import LANGUAGES, set_language
from webapp.web.support import actor, origin, services

bp = Blueprint("i18n", __name__)


def _locale() -> str:
    if current_user.is_authenticated:
        return str(current_user.actor.language)
    return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS) -> None:
    """Compile each .po that has no up-to-date .mo beside it, so a fresh checkout needs no build step."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # a read-only install: English falls back to the Dutch text; run `make translations`
            continue


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
    target = request.referrer or ""
    return redirect(target if target.startswith(request.host_url) else url_for("tasks.inbox"))
