"""Error pages: a clear Dutch message, never a stack trace or personal data."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_MESSAGES = {
    400: ("Verzoek niet begrepen", "Het verzoek kon niet worden verwerkt. Probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina of dit onderdeel bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze handeling is hier niet mogelijk."),
    413: ("Te groot", "Wat u verstuurde is te groot."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Wat u eerder had opgeslagen is bewaard."),
}


def _page(code: int, detail: str | None = None) -> tuple[str, int]:
    title, text = _MESSAGES.get(code, _MESSAGES[500])
    return render_template("error.html", code=code, title=title, text=detail or text), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _page(400, "Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        # Our own aborts carry a Dutch reason; werkzeug's default English descriptions are not shown.
        detail = (
            error.description
            if code == 403 and error.description and "permission" not in error.description
            else None
        )
        return _page(code, detail)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        # Only the type goes to the log: messages may carry case data.
        log.error("unhandled %s", type(error).__name__)
        return _page(500)
