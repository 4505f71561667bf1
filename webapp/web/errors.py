"""Error pages: a clear Dutch message, never a stack trace or personal data."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.domain.messages import N_

log = logging.getLogger(__name__)

_MESSAGES = {
    400: (N_("Verzoek niet begrepen"), N_("Het verzoek kon niet worden verwerkt. Probeer het opnieuw.")),
    403: (N_("Geen toegang"), N_("U heeft geen toegang tot deze pagina.")),
    404: (N_("Niet gevonden"), N_("Deze pagina of dit onderdeel bestaat niet (meer).")),
    405: (N_("Niet toegestaan"), N_("Deze handeling is hier niet mogelijk.")),
    413: (
        N_("Te groot"),
        N_(
            "Wat u verstuurde is groter dan Ketenflow aanneemt. Kort lange teksten in of verstuur minder "
            "tegelijk, en probeer het opnieuw."
        ),
    ),
    429: (
        N_("Te veel verzoeken"),
        N_("U deed in korte tijd te veel verzoeken. Wacht even en probeer het opnieuw."),
    ),
    500: (
        N_("Er ging iets mis"),
        N_("Er ging aan onze kant iets mis. Wat u eerder had opgeslagen is bewaard."),
    ),
}


def _page(code: int, detail: str | None = None) -> tuple[str, int]:
    title, text = _MESSAGES.get(code, _MESSAGES[500])
    return render_template("error.html", code=code, title=title, text=detail or text), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _page(400, N_("Het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        code = error.code or 500
        # Our own aborts carry a Dutch reason; werkzeug's default English descriptions are not shown.
        detail = (
            error.description
            if code == 403 and error.description and "permission" not in error.description
            else None
        )
        # A 429 says when to come back (werkzeug's TooManyRequests(retry_after=…) carries it).
        headers = {k: v for k, v in error.get_headers() if k == "Retry-After"}
        return (*_page(code, detail), headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        # Only the type goes to the log: messages may carry case data.
        log.error("unhandled %s", type(error).__name__)
        return _page(500)
