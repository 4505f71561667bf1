"""Studio part: the form editor. List the forms, create one, edit its JSON Schema beside a live preview that
the professionals' own form macros render, check typed input as a task would, save (audited).

One HTML form holds the texts and the preview's fields, and posts to the preview route: without JavaScript
every button ("Voorbeeld bijwerken", "Controleer invoer", the row buttons) answers with the whole page;
``studio-forms.js`` posts the same form on input and swaps in the fragment. Only "Opslaan" posts elsewhere.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.domain.messages import N_, Message
from webapp.services import studio_forms
from webapp.services.studio_forms import FormPreview, FormSource
from webapp.web.form_post import apply_row_action, coerce_form_post, row_action
from webapp.web.studio import bp
from webapp.web.support import actor, origin, say, services, translated, translated_errors

SCHEMA_FIELD = "_schema"
UI_FIELD = "_uischema"
PAGE_FIELD = "_page"  # sent by the page's own form; the script leaves it out to get the fragment


def _refuse(error: AccessDenied | NotFound) -> NoReturn:
    if isinstance(error, NotFound):
        abort(404)
    abort(403, description=translated(error))


@bp.get("/forms")
@login_required
def forms() -> str:
    return _list_page({}, "")[0]


@bp.post("/forms")
@login_required
def form_create() -> Response | tuple[str, int]:
    typed = request.form.get("name", "")[:200]
    try:
        name = studio_forms.create_form(services(), actor(), typed, origin())
    except FormInvalid as invalid:
        return _list_page(translated_errors(invalid.errors), typed, 422)
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    say(Message("Formulier ‘{name}’ is aangemaakt. Pas het aan en sla het op.", name=name), "success")
    return redirect(url_for("studio.form_edit", name=name))


def _list_page(errors: dict[str, str], typed: str, status: int = 200) -> tuple[str, int]:
    try:
        entries = studio_forms.list_forms(services(), actor())
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    return render_template("studio/forms.html", entries=entries, errors=errors, typed=typed), status


@bp.get("/forms/<name>")
@login_required
def form_edit(name: str) -> str:
    source = _open(name)
    preview = studio_forms.build_preview(source.schema_text, source.uischema_text)
    return _editor(source, source.schema_text, source.uischema_text, preview, {}, {})[0]


@bp.post("/forms/<name>")
@login_required
def form_save(name: str) -> Response | tuple[str, int]:
    schema_text, ui_text = _texts()
    try:
        preview = studio_forms.save_form(services(), actor(), name, schema_text, ui_text, origin())
    except FormInvalid as invalid:  # too large to store
        source = _open(name)
        problems = [studio_forms.Problem("schema", message) for message in invalid.errors.values()]
        return _editor(source, schema_text, ui_text, FormPreview(problems=problems), {}, {}, status=422)
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    if not preview.ok:
        return _editor(_open(name), schema_text, ui_text, preview, {}, {}, status=422, refused=True)
    say(
        N_(
            "Het formulier is opgeslagen. Uitgerolde versies houden hun eigen formulier; de volgende uitrol "
            "van een procedure die het gebruikt, neemt deze versie mee."
        ),
        "success",
    )
    return redirect(url_for("studio.form_edit", name=name))


@bp.post("/forms/<name>/preview")
@login_required
def form_preview(name: str) -> tuple[str, int]:
    schema_text, ui_text = _texts()
    try:
        preview = studio_forms.preview_form(services(), actor(), schema_text, ui_text)
    except (AccessDenied, NotFound) as error:
        _refuse(error)
    data, errors, checked = _typed_input(preview)
    status = 200 if preview.ok else 422
    if request.form.get(PAGE_FIELD):
        return _editor(
            _open(name), schema_text, ui_text, preview, data, errors, checked=checked, status=status
        )
    fragment = render_template(
        "studio/_form_preview.html", preview=preview, data=data, errors=errors, checked=checked
    )
    return fragment, status


def _typed_input(preview: FormPreview) -> tuple[dict[str, Any], dict[str, str], bool]:
    """The preview's typed values (kept across updates), and the messages after "Controleer invoer"."""
    if not preview.ok or preview.schema is None:
        return {}, {}, False
    post = request.form.to_dict(flat=False)
    action = row_action(post)
    if action is not None:
        typed = coerce_form_post(preview.schema, post, keep_empty_rows=True)
        return apply_row_action(preview.schema, typed, action), {}, False
    if request.form.get("_action") != "check":
        return coerce_form_post(preview.schema, post, keep_empty_rows=True), {}, False
    data = coerce_form_post(preview.schema, post)
    return data, translated_errors(studio_forms.check_input(preview, data)), True


def _texts() -> tuple[str, str]:
    # Browsers post textarea line breaks as CRLF; store the text as it was typed, with plain line breaks.
    schema_text = request.form.get(SCHEMA_FIELD, "").replace("\r\n", "\n")
    return schema_text, request.form.get(UI_FIELD, "").replace("\r\n", "\n")


def _open(name: str) -> FormSource:
    try:
        return studio_forms.open_form(services(), actor(), name)
    except (AccessDenied, NotFound) as error:
        _refuse(error)


def _editor(
    source: FormSource,
    schema_text: str,
    ui_text: str,
    preview: FormPreview,
    data: dict[str, Any],
    errors: dict[str, str],
    *,
    checked: bool = False,
    refused: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "studio/form_editor.html",
        source=source,
        schema_text=schema_text,
        ui_text=ui_text,
        preview=preview,
        data=data,
        errors=errors,
        checked=checked,
        refused=refused,
    )
    return page, status
