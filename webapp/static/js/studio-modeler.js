/*
 * The studio's modeler page (templates/studio/modeler.html): bpmn-js with the SpiffWorkflow moddle extension
 * (and studio-spiff-xml.js, which keeps what bpmn-js would drop), the properties panel (studio-properties.js),
 * Opslaan, Controleren, undo/redo and a local download.
 *
 * A failed save never loses work: the diagram stays in the editor, the message says why, and Downloaden
 * writes the editor's XML to a file. Controleren posts {"xml": …} to the check endpoint, which answers
 * {"ok": bool, "problems": [{"element": id|null, "file": name, "message": text}]}; each problem is pinned on
 * its element (marker kf-problem + overlay) and listed beside the diagram.
 *
 * State for tests: #kf-modeler's data-state is "loading", "ready" or "error", data-warnings the number of
 * import warnings, data-dirty "true" while there are unsaved changes; window.kfModeler is the bpmn-js modeler.
 */
(function () {
  "use strict";

  var container = document.getElementById("kf-modeler");
  if (!container || typeof window.BpmnJS !== "function" || !window.KfProperties || !window.KfSpiffXml) return;
  var texts = document.getElementById("kf-modeler-texts").dataset;
  var data = container.dataset;
  var format = window.KfProperties.format;
  var statusBox = document.getElementById("kf-modeler-status");
  var alertBox = document.getElementById("kf-modeler-alert");
  var buttons = {};
  ["save", "check", "undo", "redo", "download"].forEach(function (key) {
    buttons[key] = document.getElementById("kf-" + key);
  });
  var modeler = null;
  var savedAction = null; // the command stack's newest action when the diagram was last saved or opened
  var problemOverlays = [];
  var problemMarkers = [];

  function say(text, kind) {
    alertBox.textContent = kind === "error" ? text : "";
    statusBox.textContent = kind === "error" ? "" : text;
    statusBox.classList.toggle("kf-is-success", kind === "success");
  }

  function parseJson(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (error) {
      return fallback;
    }
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** The page's CSRF token anew (after signing in again in another tab the old one no longer holds). */
  function refreshToken() {
    return fetch(window.location.pathname, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (!response.ok) return false;
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector('meta[name="csrf-token"]');
          var meta = document.querySelector('meta[name="csrf-token"]');
          if (!fresh || !meta) return false;
          meta.setAttribute("content", fresh.getAttribute("content"));
          return true;
        });
      })
      .catch(function () {
        return false;
      });
  }

  function signedOutOrStale(answer) {
    return answer.redirected || (answer.status === 400 && !answer.json);
  }

  /** A JSON request; a refused CSRF token is renewed once and the request sent again. */
  function send(method, url, body) {
    return sendOnce(method, url, body).then(function (answer) {
      if (!signedOutOrStale(answer)) return answer;
      return refreshToken().then(function (renewed) {
        return renewed ? sendOnce(method, url, body) : answer;
      });
    });
  }

  /** A same-origin JSON request that never follows a redirect (a redirect means: signed out). */
  function sendOnce(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (isJson ? response.json() : Promise.resolve(null)).then(function (json) {
        return { status: response.status, redirected: response.type === "opaqueredirect", json: json };
      });
    });
  }

  function failureText(answer) {
    if (signedOutOrStale(answer)) return texts.sessionExpired;
    if (answer.status === 413) return texts.tooLarge;
    if (answer.json && answer.json.message) return answer.json.message;
    return format(texts.saveFailed, { status: answer.status });
  }

  function isDirty() {
    return !!modeler && (modeler.get("commandStack")._getUndoAction() || null) !== savedAction;
  }

  function updateButtons() {
    var stack = modeler.get("commandStack");
    buttons.undo.disabled = !stack.canUndo();
    buttons.redo.disabled = !stack.canRedo();
    container.dataset.dirty = isDirty() ? "true" : "false";
  }

  function save() {
    buttons.save.disabled = true;
    say(texts.saving);
    var action = modeler.get("commandStack")._getUndoAction() || null;
    return modeler
      .saveXML({ format: true })
      .then(function (result) {
        return send("PUT", data.saveUrl, { xml: result.xml });
      })
      .then(function (answer) {
        if (answer.status === 200 && answer.json && answer.json.ok) {
          savedAction = action;
          say(answer.json.message, "success");
        } else {
          say(failureText(answer), "error");
        }
      })
      .catch(function () {
        say(texts.saveNetwork, "error");
      })
      .then(function () {
        buttons.save.disabled = false;
        updateButtons();
      });
  }

  function clearProblems() {
    var overlays = modeler.get("overlays");
    var canvas = modeler.get("canvas");
    problemOverlays.forEach(function (id) {
      overlays.remove(id);
    });
    problemMarkers.forEach(function (id) {
      canvas.removeMarker(id, "kf-problem");
    });
    problemOverlays = [];
    problemMarkers = [];
    document.getElementById("kf-problem-list").textContent = "";
  }

  function selectElement(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) return;
    modeler.get("selection").select(element);
    modeler.get("canvas").scrollToElement(element);
  }

  function showProblems(problems) {
    var registry = modeler.get("elementRegistry");
    var list = document.getElementById("kf-problem-list");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var onDiagram = problem.element && (!problem.file || problem.file === data.name) && registry.get(problem.element);
      var where = document.createElement("span");
      where.className = "kf-problem-where";
      if (problem.file && problem.file !== data.name) where.textContent = format(texts.problemFile, { file: problem.file });
      else where.textContent = problem.element || texts.problemWhole;
      if (onDiagram) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = String(problem.message);
        button.addEventListener("click", function () {
          selectElement(problem.element);
        });
        item.appendChild(button);
        if (problemMarkers.indexOf(problem.element) === -1) {
          modeler.get("canvas").addMarker(problem.element, "kf-problem");
          problemMarkers.push(problem.element);
        }
        var pin = document.createElement("div");
        pin.className = "kf-overlay kf-overlay-problem";
        pin.textContent = String(problem.message);
        problemOverlays.push(
          modeler.get("overlays").add(problem.element, "kf-problem", { position: { bottom: 4, left: 0 }, html: pin })
        );
      } else {
        item.appendChild(document.createTextNode(String(problem.message)));
      }
      item.appendChild(where);
      list.appendChild(item);
    });
  }

  function check() {
    buttons.check.disabled = true;
    say(texts.checking);
    var summary = document.getElementById("kf-problems-summary");
    return modeler
      .saveXML({ format: true })
      .then(function (result) {
        return send("POST", data.checkUrl, { xml: result.xml });
      })
      .then(function (answer) {
        var problems = answer.json && Array.isArray(answer.json.problems) ? answer.json.problems : null;
        if (answer.status !== 200 || !problems) {
          var text = answer.redirected ? texts.sessionExpired : format(texts.checkFailed, { status: answer.status });
          say((answer.json && answer.json.message) || text, "error");
          return;
        }
        clearProblems();
        showProblems(problems);
        summary.textContent = problems.length === 1 ? texts.checkProblem
          : problems.length ? format(texts.checkProblems, { count: problems.length }) : texts.checkOk;
        say(summary.textContent, problems.length ? "error" : "success");
      })
      .catch(function () {
        say(format(texts.checkFailed, { status: 0 }), "error");
      })
      .then(function () {
        buttons.check.disabled = false;
      });
  }

  function download() {
    modeler.saveXML({ format: true }).then(function (result) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([result.xml], { type: "application/xml" }));
      link.download = data.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () {
        URL.revokeObjectURL(link.href);
      }, 1000);
    });
  }

  function getText(url) {
    return fetch(url, { credentials: "same-origin", redirect: "error" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }

  function start(descriptor, xml) {
    modeler = new window.BpmnJS({ container: container, moddleExtensions: { spiffworkflow: descriptor } });
    window.kfModeler = modeler;
    window.KfSpiffXml.install(modeler, descriptor);
    var panel = new window.KfProperties(modeler, {
      texts: texts,
      roles: parseJson(data.roles, []),
      legalRules: parseJson(data.legalRules, []),
    });
    return modeler
      .importXML(xml)
      .catch(function (error) {
        error.kfMessage = texts.importError;
        throw error;
      })
      .then(function (result) {
        var warnings = (result && result.warnings) || [];
        container.dataset.warnings = String(warnings.length);
        modeler.get("canvas").zoom("fit-viewport", "auto");
        savedAction = null;
        modeler.on("commandStack.changed", updateButtons);
        updateButtons();
        Object.keys(buttons).forEach(function (key) {
          buttons[key].disabled = key === "undo" || key === "redo";
        });
        say(warnings.length ? format(texts.importWarnings, { count: warnings.length }) : "", warnings.length ? "error" : "");
        container.dataset.state = "ready";
        fetch(data.formsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { forms: [] };
          })
          .then(function (json) {
            panel.setForms(json.forms);
          });
      });
  }

  buttons.save.addEventListener("click", save);
  buttons.check.addEventListener("click", check);
  buttons.download.addEventListener("click", download);
  buttons.undo.addEventListener("click", function () {
    modeler.get("commandStack").undo();
  });
  buttons.redo.addEventListener("click", function () {
    modeler.get("commandStack").redo();
  });
  window.addEventListener("beforeunload", function (event) {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = texts.unsaved;
    }
  });

  say(texts.loading);
  Promise.all([
    fetch(data.moddleUrl, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }),
    getText(data.xmlUrl),
  ])
    .catch(function (error) {
      error.kfMessage = texts.loadError;
      throw error;
    })
    .then(function (loaded) {
      return start(loaded[0], loaded[1]);
    })
    .catch(function (error) {
      container.dataset.state = "error";
      say(error.kfMessage || texts.loadError, "error");
    });
})();
