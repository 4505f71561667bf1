/*
 * What the studio's modeler needs so that opening and saving a SpiffArena/Ketenflow diagram loses nothing.
 * bpmn-js reads a diagram into its model and writes the model back; two things would not survive that:
 *
 * 1. SpiffWorkflow names a case-data variable in a multi-instance task's loopDataInputRef/loopDataOutputRef,
 *    where BPMN expects the id of a data element: bpmn-js drops such an "unresolved reference".
 * 2. SpiffArena writes more spiffworkflow elements than spiffworkflow-moddle.json describes (unit tests,
 *    newer extensions): bpmn-js drops an element of a known namespace whose type it does not know.
 *
 * install(modeler, descriptor) hooks into bpmn-js's import.parse.* and saveXML.serialized events for both.
 */
(function () {
  "use strict";

  /*
   * SpiffWorkflow names a case-data variable in a multi-instance task's loopDataInputRef/loopDataOutputRef,
   * where BPMN expects the id of a data element. bpmn-js would drop such an "unresolved reference" and the
   * next save would lose the loop; keep the name as a reference to a stand-in with that id instead.
   */
  var VARIABLE_REFERENCES = ["loopDataInputRef", "loopDataOutputRef"];

  function keepVariableReferences(modeler, event) {
    var warnings = event.warnings || [];
    for (var i = warnings.length - 1; i >= 0; i -= 1) {
      var warning = warnings[i];
      var property = String(warning.property || "").replace(/^bpmn:/, "");
      if (!warning.element || !warning.value || VARIABLE_REFERENCES.indexOf(property) === -1) continue;
      warning.element.set(property, modeler.get("moddle").create("bpmn:ItemAwareElement", { id: warning.value }));
      warnings.splice(i, 1);
    }
  }

  /*
   * SpiffArena writes more spiffworkflow elements than Ketenflow describes (unit tests, service parameters of
   * newer versions …). bpmn-js drops an element of a known namespace whose type it does not know, so such
   * elements travel in a stand-in namespace, which bpmn-js keeps as it is, and are put back when saving.
   */
  var SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var KEPT_NS = "http://ketenflow.nl/studio/kept-spiffworkflow";
  var KEPT_PREFIX = "kfkept";
  var XMLNS = "http://www.w3.org/2000/xmlns/";

  function renameElements(xml, test, namespace, prefix) {
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return xml;
    var renamed = 0;
    (function walk(node, inside) {
      Array.prototype.slice.call(node.children).forEach(function (child) {
        var move = test(child, inside);
        if (move) {
          var copy = doc.createElementNS(namespace, prefix + ":" + child.localName);
          Array.prototype.forEach.call(child.attributes, function (attribute) {
            if (attribute.value === KEPT_NS && attribute.namespaceURI === XMLNS) return; // the stand-in's own
            if (attribute.namespaceURI) copy.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
            else copy.setAttribute(attribute.name, attribute.value);
          });
          while (child.firstChild) copy.appendChild(child.firstChild);
          child.parentNode.replaceChild(copy, child);
          renamed += 1;
          child = copy;
        }
        walk(child, move);
      });
    })(doc, false);
    if (!renamed) return xml;
    doc.documentElement.removeAttribute("xmlns:" + KEPT_PREFIX);
    var result = new XMLSerializer().serializeToString(doc).replace(/^(<\?xml[^>]*\?>)(?=<)/, "$1\n");
    var declaration = /^<\?xml[^>]*\?>\s*/.exec(xml);
    return declaration && result.indexOf("<?xml") !== 0 ? declaration[0] + result : result;
  }

  function passUnknownSpiffElements(modeler, descriptor) {
    var known = descriptor.types.map(function (type) {
      return type.name;
    });
    modeler.on("import.parse.start", function (event) {
      return renameElements(
        event.xml,
        function (element, inside) {
          return element.namespaceURI === SPIFF_NS && (inside || known.indexOf(element.localName) === -1);
        },
        KEPT_NS,
        KEPT_PREFIX
      );
    });
    modeler.on("saveXML.serialized", function (event) {
      if (event.xml.indexOf(KEPT_NS) === -1) return event.xml;
      return renameElements(
        event.xml,
        function (element) {
          return element.namespaceURI === KEPT_NS;
        },
        SPIFF_NS,
        "spiffworkflow"
      );
    });
  }

  window.KfSpiffXml = {
    install: function (modeler, descriptor) {
      modeler.on("import.parse.complete", function (event) {
        keepVariableReferences(modeler, event);
      });
      passUnknownSpiffElements(modeler, descriptor);
    },
  };
})();
