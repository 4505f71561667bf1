/* The studio's form editor: a live preview while typing.
 *
 * The page works without this script (every button posts the whole form and gets the whole page back).
 * With it, typing in a schema text posts the same form to the preview route after a pause of 400 ms and
 * swaps in the HTML fragment the server renders with the professionals' own form macros. "Controleer invoer",
 * "Voorbeeld bijwerken" and the row buttons do the same at once; only "Opslaan" (which has a formaction)
 * still posts the page. No inline script or handlers: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var DELAY_MS = 400;
  var form = document.getElementById("form-editor");
  var preview = document.getElementById("form-preview");
  var status = document.getElementById("preview-status");
  if (!form || !preview || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  var latest = 0;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var field = form.querySelector('input[name="csrf_token"]');
    return meta ? meta.getAttribute("content") : field ? field.value : "";
  }

  function announce(text) {
    if (status) {
      status.textContent = text || "";
    }
  }

  function show(html, focusSummary) {
    preview.innerHTML = html;
    var root = preview.querySelector(".kf-preview");
    announce(root ? root.getAttribute("data-status") : "");
    var summary = focusSummary ? preview.querySelector(".kf-error-summary") : null;
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }

  /* Post the whole form (texts and the preview's typed values) for the fragment. */
  function refresh(button) {
    var body = new FormData(form);
    body.delete("_page");
    body.delete("_action");
    body.delete("_rows");
    if (button && button.name) {
      body.set(button.name, button.value);
    }
    var mine = ++latest;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "text/html" }
    }).then(function (response) {
      if (!response.ok && response.status !== 422) {
        throw new Error("preview " + response.status);
      }
      return response.text();
    }).then(function (html) {
      if (mine === latest) {  // an older answer must not overwrite a newer one
        show(html, Boolean(button && button.value === "check"));
      }
    }).catch(function () {
      if (mine === latest) {
        announce(form.getAttribute("data-failed"));
      }
    }).then(function () {
      if (mine === latest) {
        form.removeAttribute("aria-busy");
      }
    });
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.classList.contains("kf-code")) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { refresh(null); }, DELAY_MS);
    }
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("formaction")) {
      return;  // "Opslaan": an ordinary post of the page
    }
    event.preventDefault();
    window.clearTimeout(timer);
    refresh(button || null);
  });

  /* A problem with a line and column puts the cursor there in the text it belongs to. */
  preview.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-target]") : null;
    var text = link ? document.getElementById(link.getAttribute("data-target")) : null;
    if (!text) {
      return;
    }
    event.preventDefault();
    var line = parseInt(link.getAttribute("data-line") || "1", 10);
    var column = parseInt(link.getAttribute("data-column") || "1", 10);
    var lines = text.value.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i += 1) {
      offset += lines[i].length + 1;
    }
    offset = Math.min(offset + column - 1, text.value.length);
    text.focus();
    text.setSelectionRange(offset, Math.min(offset + 1, text.value.length));
  });
}());
