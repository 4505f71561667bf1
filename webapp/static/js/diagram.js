/*
 * Read-only BPMN diagrams (the studio's display contract; include templates/studio/_diagram_assets.html).
 *
 *   <div class="kf-diagram" data-xml-url="…" data-marks-url="…" aria-label="…"></div>
 *
 * Every such div gets a bpmn-js NavigatedViewer (drag to move, Ctrl + wheel to zoom). It fetches the XML from
 * data-xml-url, then, when data-marks-url is given, JSON of the form
 *
 *   {"markers": {"<elementId>": ["kf-current" | "kf-done" | "kf-added" | "kf-removed" | "kf-changed" |
 *                                "kf-problem" | "kf-waiting", …]},
 *    "overlays": [{"element": "<elementId>", "text": "…", "kind": "problem" | "timer" | "info"}]}
 *
 * Markers become CSS classes on the element (css/studio.css), overlays short texts under it (set as text,
 * never as HTML). Unknown classes, kinds and element ids are ignored.
 *
 * State for tests and other scripts: the div's data-state is "loading", "ready" or "error", data-warnings the
 * number of import warnings, and window.kfDiagrams maps each div to its viewer.
 */
(function () {
  "use strict";

  var MARKERS = ["kf-current", "kf-done", "kf-added", "kf-removed", "kf-changed", "kf-problem", "kf-waiting"];
  var KINDS = ["problem", "timer", "info"];
  var texts = (document.getElementById("kf-diagram-texts") || { dataset: {} }).dataset;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }
    );
  }

  function getText(url) {
    return fetch(url, { credentials: "same-origin", redirect: "error" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }

  function showMessage(container, text) {
    var message = document.createElement("p");
    message.className = "kf-diagram-message";
    message.setAttribute("role", "alert");
    message.textContent = text;
    container.appendChild(message);
  }

  function overlayElement(text, kind) {
    var element = document.createElement("div");
    element.className = "kf-overlay kf-overlay-" + kind;
    element.textContent = String(text);
    return element;
  }

  /** Apply markers and overlays to a viewer or modeler; returns how many were applied. */
  function applyMarks(viewer, marks) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var applied = 0;
    var markers = (marks && marks.markers) || {};
    Object.keys(markers).forEach(function (id) {
      if (!registry.get(id) || !Array.isArray(markers[id])) return;
      markers[id].forEach(function (marker) {
        if (MARKERS.indexOf(marker) === -1) return;
        canvas.addMarker(id, marker);
        applied += 1;
      });
    });
    ((marks && marks.overlays) || []).forEach(function (overlay) {
      if (!overlay || !registry.get(overlay.element) || overlay.text == null) return;
      var kind = KINDS.indexOf(overlay.kind) === -1 ? "info" : overlay.kind;
      overlays.add(overlay.element, "kf-" + kind, {
        position: { bottom: 4, left: 0 },
        html: overlayElement(overlay.text, kind),
      });
      applied += 1;
    });
    return applied;
  }

  function render(container) {
    var viewer = new window.BpmnJS({ container: container });
    window.kfDiagrams.set(container, viewer);
    container.dataset.state = "loading";
    return getText(container.dataset.xmlUrl)
      .catch(function (error) {
        error.kfMessage = texts.loadError;
        throw error;
      })
      .then(function (xml) {
        return viewer.importXML(xml).catch(function (error) {
          error.kfMessage = texts.importError;
          throw error;
        });
      })
      .then(function (result) {
        container.dataset.warnings = String((result && result.warnings && result.warnings.length) || 0);
        viewer.get("canvas").zoom("fit-viewport", "auto");
        if (!container.dataset.marksUrl) return null;
        return getJson(container.dataset.marksUrl)
          .then(function (marks) {
            applyMarks(viewer, marks);
          })
          .catch(function () {
            showMessage(container, texts.marksError || "");
          });
      })
      .then(function () {
        container.dataset.state = "ready";
      })
      .catch(function (error) {
        container.dataset.state = "error";
        showMessage(container, error.kfMessage || texts.loadError || "");
      });
  }

  window.kfDiagrams = window.kfDiagrams || new Map();
  window.kfApplyMarks = applyMarks;

  function start() {
    if (typeof window.BpmnJS !== "function") return;
    Array.prototype.forEach.call(document.querySelectorAll(".kf-diagram[data-xml-url]"), render);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
