/*
 * The studio's properties panel: the properties Ketenflow executes, for the element selected in bpmn-js.
 *
 * The fields are plain HTML in templates/studio/modeler.html (labels and hints translated there); this script
 * shows the sections that fit the element, fills them, and writes a change through bpmn-js's modeling API
 * (modeling.updateProperties / updateModdleProperties, moddle.create), one command per change, so Ctrl+Z
 * undoes it as a whole. Properties are written the SpiffArena way:
 *
 *   <bpmn:extensionElements>
 *     <spiffworkflow:properties>
 *       <spiffworkflow:property name="formJsonSchemaFilename" value="…" />   (and formUiSchemaFilename,
 *     </spiffworkflow:properties>                                               dueIn, dueRule, dueFrom, legalRules)
 *     <spiffworkflow:instructionsForEndUser>…</spiffworkflow:instructionsForEndUser>
 *   </bpmn:extensionElements>
 */
(function () {
  "use strict";

  var ISO_PERIOD = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
  var TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

  function is(bo, type) {
    return !!bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }

  function format(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function extensionValues(bo) {
    return (bo.extensionElements && bo.extensionElements.values) || [];
  }

  function findExtension(bo, type) {
    return extensionValues(bo).filter(function (value) {
      return value.$type === type;
    })[0];
  }

  function spiffProperty(bo, name) {
    var container = findExtension(bo, "spiffworkflow:properties");
    var found = ((container && container.properties) || []).filter(function (p) {
      return p.name === name;
    })[0];
    return found ? found.value || "" : "";
  }

  function spiffText(bo, type) {
    var found = findExtension(bo, type);
    return found ? found.value || "" : "";
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) {
      return is(d, "bpmn:TimerEventDefinition");
    })[0];
  }

  function conditionable(bo) {
    return (
      is(bo, "bpmn:SequenceFlow") &&
      (is(bo.sourceRef, "bpmn:ExclusiveGateway") || is(bo.sourceRef, "bpmn:InclusiveGateway"))
    );
  }

  /** Normalise a lane name the way webapp/domain/roles.py role_for_lane does. */
  function laneKey(name) {
    return String(name || "").trim().toLowerCase().replace(/_/g, " ").split(/\s+/).join(" ");
  }

  function Panel(modeler, options) {
    this.modeler = modeler;
    this.modeling = modeler.get("modeling");
    this.moddle = modeler.get("moddle");
    this.commandStack = modeler.get("commandStack");
    this.texts = options.texts;
    this.roles = options.roles || [];
    this.legalRules = options.legalRules || [];
    this.forms = [];
    this.element = null;
    this.form = document.getElementById("kf-prop-form");
    this.none = document.getElementById("kf-prop-none");
    this.fields = {};
    var self = this;
    [
      "name", "form-file", "instructions", "due-in", "due-rule", "due-from", "legal-rules",
      "timer-kind", "timer", "condition", "script", "called", "element", "role",
    ].forEach(function (key) {
      self.fields[key] = document.getElementById("kf-prop-" + key);
    });

    this.commandStack.registerHandler("kf.batch", BatchHandler);

    modeler.on("selection.changed", function (event) {
      var selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
      self.show(selected && selected.labelTarget ? selected.labelTarget : selected);
    });
    modeler.on("commandStack.changed", function () {
      if (self.element && !modeler.get("elementRegistry").get(self.element.id)) self.show(null);
      else if (self.element) self.fill();
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (document.activeElement && self.form.contains(document.activeElement)) {
        self.apply(document.activeElement);
      }
    });
    this.form.addEventListener("change", function (event) {
      self.apply(event.target);
    });
    this.fields.name.addEventListener("input", function () {
      if (self.element && is(self.element.businessObject, "bpmn:Lane")) self.showRole(self.fields.name.value);
    });
  }

  /** One undoable command around several modeling calls (nested commands join the outer one). */
  function BatchHandler() {}
  BatchHandler.$inject = [];
  BatchHandler.prototype.preExecute = function (context) {
    context.run();
  };
  BatchHandler.prototype.execute = function () {
    return [];
  };
  BatchHandler.prototype.revert = function () {
    return [];
  };

  Panel.prototype.setForms = function (forms) {
    this.forms = forms || [];
    var select = this.fields["form-file"];
    while (select.options.length > 1) select.remove(1);
    this.forms.forEach(function (form) {
      var label = form.title && form.title !== form.schema ? form.title + " (" + form.schema + ")" : form.schema;
      select.add(new Option(label, form.schema));
    });
    if (this.element) this.fill();
  };

  Panel.prototype.show = function (element) {
    this.element = element && element.businessObject && element.type !== "bpmn:Process" ? element : null;
    if (this.element && is(this.element.businessObject, "bpmn:Collaboration")) this.element = null;
    this.none.hidden = !!this.element;
    this.form.hidden = !this.element;
    this.clearErrors();
    if (this.element) this.fill();
  };

  Panel.prototype.sections = function (bo) {
    return {
      name: true,
      lane: is(bo, "bpmn:Lane"),
      userTask: is(bo, "bpmn:UserTask"),
      timer: !!timerDefinition(bo),
      condition: conditionable(bo),
      script: is(bo, "bpmn:ScriptTask"),
      call: is(bo, "bpmn:CallActivity"),
    };
  };

  Panel.prototype.fill = function () {
    var bo = this.element.businessObject;
    var sections = this.sections(bo);
    Array.prototype.forEach.call(this.form.querySelectorAll("[data-section]"), function (section) {
      section.hidden = !sections[section.getAttribute("data-section")];
    });
    var f = this.fields;
    f.element.textContent = bo.$type.replace(/^bpmn:/, "") + " · " + bo.id;
    setValue(f.name, bo.name || "");
    if (sections.lane) {
      f.name.setAttribute("list", "kf-role-names");
      this.showRole(bo.name);
    } else {
      f.name.removeAttribute("list");
    }
    if (sections.userTask) {
      this.fillChoice(f["form-file"], spiffProperty(bo, "formJsonSchemaFilename"), this.texts.formMissing, "file");
      setValue(f.instructions, spiffText(bo, "spiffworkflow:instructionsForEndUser"));
      setValue(f["due-in"], spiffProperty(bo, "dueIn"));
      this.fillChoice(f["due-rule"], spiffProperty(bo, "dueRule"), "{value}", "value");
      setValue(f["due-from"], spiffProperty(bo, "dueFrom"));
      setValue(f["legal-rules"], spiffProperty(bo, "legalRules"));
    }
    if (sections.timer) {
      var timer = timerDefinition(bo);
      var kind = TIMER_KINDS.filter(function (k) {
        return timer[k];
      })[0];
      if (kind) setValue(f["timer-kind"], kind);
      setValue(f.timer, kind ? timer[kind].body || "" : "");
    }
    if (sections.condition) setValue(f.condition, (bo.conditionExpression && bo.conditionExpression.body) || "");
    if (sections.script) setValue(f.script, bo.script || "");
    if (sections.call) this.fillChoice(f.called, bo.calledElement || "", this.texts.processMissing, "id");
  };

  /** Select ``value``, adding it as an extra option (marked as unknown) when the list does not have it. */
  Panel.prototype.fillChoice = function (select, value, missingText, key) {
    Array.prototype.slice.call(select.querySelectorAll("option[data-kf-missing]")).forEach(function (o) {
      o.remove();
    });
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    if (!known && value) {
      var values = {};
      values[key] = value;
      var option = new Option(format(missingText, values), value);
      option.setAttribute("data-kf-missing", "");
      select.add(option);
    }
    setValue(select, value);
  };

  Panel.prototype.showRole = function (name) {
    var key = laneKey(name);
    var role = this.roles.filter(function (r) {
      return (
        key === r.role.replace(/_/g, " ") ||
        key === laneKey(r.label) ||
        r.names.some(function (n) {
          return laneKey(n) === key;
        })
      );
    })[0];
    var status = this.fields.role;
    status.textContent = role ? format(this.texts.roleKnown, { role: role.label }) : this.texts.roleUnknown;
    status.classList.toggle("kf-is-error", !role);
  };

  Panel.prototype.clearErrors = function () {
    ["due-in", "legal-rules"].forEach(function (key) {
      showError(key, "");
    });
  };

  /** Write the changed field to the diagram (invalid values are shown, not written). */
  Panel.prototype.apply = function (input) {
    if (!this.element || !input || !input.name) return;
    var element = this.element;
    var bo = element.businessObject;
    var value = input.value.trim();
    var self = this;
    switch (input.name) {
      case "name":
        if ((bo.name || "") !== input.value) this.modeling.updateLabel(element, input.value || null);
        return;
      case "form":
        return this.batch(function () {
          var form = self.forms.filter(function (f) {
            return f.schema === value;
          })[0];
          self.setProperty(element, "formJsonSchemaFilename", value);
          self.setProperty(element, "formUiSchemaFilename", (form && form.uiSchema) || "");
        });
      case "instructions":
        return this.batch(function () {
          self.setText(element, "spiffworkflow:instructionsForEndUser", input.value.trim());
        });
      case "dueIn":
        value = value.toUpperCase();
        if (value && !ISO_PERIOD.test(value)) return showError("due-in", this.texts.dueInInvalid);
        showError("due-in", "");
        return this.batch(function () {
          self.setProperty(element, "dueIn", value);
        });
      case "dueRule":
      case "dueFrom":
        return this.batch(function () {
          self.setProperty(element, input.name, value);
        });
      case "legalRules":
        return this.applyLegalRules(element, value);
      case "timerKind":
      case "timer":
        return this.applyTimer(element);
      case "condition":
        return this.batch(function () {
          var expression = value ? self.moddle.create("bpmn:FormalExpression", { body: value }) : undefined;
          self.modeling.updateProperties(element, { conditionExpression: expression });
        });
      case "script":
        return this.modeling.updateProperties(element, { script: input.value.trim() ? input.value : undefined });
      case "calledElement":
        return this.modeling.updateProperties(element, { calledElement: value || undefined });
    }
  };

  Panel.prototype.applyLegalRules = function (element, value) {
    var self = this;
    var ids = value
      .split(",")
      .map(function (id) {
        return id.trim();
      })
      .filter(Boolean);
    var unknown = ids.filter(function (id) {
      return self.legalRules.indexOf(id) === -1;
    });
    if (unknown.length) return showError("legal-rules", format(this.texts.legalRulesUnknown, { rules: unknown.join(", ") }));
    showError("legal-rules", "");
    this.batch(function () {
      self.setProperty(element, "legalRules", ids.join(","));
    });
  };

  Panel.prototype.applyTimer = function (element) {
    var self = this;
    var timer = timerDefinition(element.businessObject);
    var kind = this.fields["timer-kind"].value;
    var body = this.fields.timer.value.trim();
    this.batch(function () {
      var changes = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      if (body) changes[kind] = self.moddle.create("bpmn:FormalExpression", { body: body });
      self.modeling.updateModdleProperties(element, timer, changes);
    });
  };

  Panel.prototype.batch = function (run) {
    this.commandStack.execute("kf.batch", { run: run });
  };

  Panel.prototype.extensionElements = function (element) {
    var bo = element.businessObject;
    if (!bo.extensionElements) {
      var created = this.moddle.create("bpmn:ExtensionElements", { values: [] });
      created.$parent = bo;
      this.modeling.updateProperties(element, { extensionElements: created });
    }
    return bo.extensionElements;
  };

  Panel.prototype.removeExtension = function (element, node) {
    var extensions = element.businessObject.extensionElements;
    var rest = extensions.values.filter(function (value) {
      return value !== node;
    });
    if (rest.length) this.modeling.updateModdleProperties(element, extensions, { values: rest });
    else this.modeling.updateProperties(element, { extensionElements: undefined });
  };

  /** A spiffworkflow element with a text body (instructions, scripts …): set, replace or remove it. */
  Panel.prototype.setText = function (element, type, text) {
    var existing = findExtension(element.businessObject, type);
    if (!text) {
      if (existing) this.removeExtension(element, existing);
      return;
    }
    if (existing) {
      if (existing.value !== text) this.modeling.updateModdleProperties(element, existing, { value: text });
      return;
    }
    var extensions = this.extensionElements(element);
    var node = this.moddle.create(type, { value: text });
    node.$parent = extensions;
    this.modeling.updateModdleProperties(element, extensions, { values: extensions.values.concat([node]) });
  };

  /** A <spiffworkflow:property name value>: set, replace or (empty value) remove it. */
  Panel.prototype.setProperty = function (element, name, value) {
    var bo = element.businessObject;
    var container = findExtension(bo, "spiffworkflow:properties");
    var list = (container && container.properties) || [];
    var existing = list.filter(function (p) {
      return p.name === name;
    })[0];
    if (!value) {
      if (!existing) return;
      var rest = list.filter(function (p) {
        return p !== existing;
      });
      if (rest.length) this.modeling.updateModdleProperties(element, container, { properties: rest });
      else this.removeExtension(element, container);
      return;
    }
    if (existing) {
      if (existing.value !== value) this.modeling.updateModdleProperties(element, existing, { value: value });
      return;
    }
    if (!container) {
      var extensions = this.extensionElements(element);
      container = this.moddle.create("spiffworkflow:properties", { properties: [] });
      container.$parent = extensions;
      // the properties come first, as SpiffArena writes them
      this.modeling.updateModdleProperties(element, extensions, { values: [container].concat(extensions.values) });
    }
    var property = this.moddle.create("spiffworkflow:property", { name: name, value: value });
    property.$parent = container;
    this.modeling.updateModdleProperties(element, container, {
      properties: (container.properties || []).concat([property]),
    });
  };

  function setValue(input, value) {
    if (input.value !== value) input.value = value;
  }

  function showError(key, text) {
    var message = document.getElementById("kf-prop-" + key + "-error");
    var input = document.getElementById("kf-prop-" + key);
    message.textContent = text;
    message.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (text) input.closest(".kf-field").classList.add("kf-field--error");
    else input.closest(".kf-field").classList.remove("kf-field--error");
  }

  window.KfProperties = Panel;
  window.KfProperties.format = format;
})();
