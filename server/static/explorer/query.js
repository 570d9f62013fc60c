/* The query page: @zazuko/yasgui on this server's endpoint only, with the dataset's prefixes,
   autocompletion from the ontology (no outside service) and the research questions. */
(function () {
  "use strict";
  var island = document.getElementById("yasgui-config");
  var root = document.getElementById("yasgui");
  if (!island || !root || typeof Yasgui === "undefined") return;
  var config = JSON.parse(island.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;
  var terms = { classes: [], properties: [] };

  function prefixHeader() {
    return Object.keys(config.prefixes).map(function (p) {
      return "PREFIX " + p + ": <" + config.prefixes[p] + ">";
    }).join("\n");
  }
  function matching(list, token) {
    var wanted = ((token && token.autocompletionString) || "").toLowerCase();
    return Promise.resolve(list.filter(function (iri) { return iri.toLowerCase().indexOf(wanted) >= 0; }));
  }
  // replace the completers that call outside services (prefix.cc, LOV) with local ones
  Yasqe.forkAutocompleter("prefixes", {
    name: "local-prefixes", persistenceId: null,
    get: function () {
      return Promise.resolve(Object.keys(config.prefixes).map(function (p) {
        return p + ": <" + config.prefixes[p] + ">";
      }).sort());
    }
  }, false);
  Yasqe.forkAutocompleter("class", { name: "local-class", get: function (y, t) { return matching(terms.classes, t); } }, false);
  Yasqe.forkAutocompleter("property", { name: "local-property", get: function (y, t) { return matching(terms.properties, t); } }, false);
  var completers = ["variables", "local-prefixes", "local-class", "local-property"];
  Yasqe.defaults.autocompleters = completers.slice();

  fetch(config.terms).then(function (r) { return r.ok ? r.json() : null; }).then(function (found) {
    if (found) { terms.classes = found.classes; terms.properties = found.properties; }
  }).catch(function () { /* the editor works without completion */ });

  var plain = document.getElementById("plain-query");
  if (plain) plain.hidden = true;

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { autocompleters: completers.slice(), value: config.query || (prefixHeader() + "\n\nSELECT ?pilot ?title WHERE {\n  ?pilot a coe:Pilot ; dcterms:title ?title\n} ORDER BY ?title\n") }
  });

  function show(sparql, run) {
    var tab = yasgui.getTab();
    tab.setQuery(sparql);
    if (run) tab.getYasqe().query();
  }
  if (config.query) show(config.query, false);

  var byName = {};
  config.questions.forEach(function (q) { byName[q.name] = q; });
  Array.prototype.forEach.call(document.querySelectorAll("button.run-question"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var q = byName[button.getAttribute("data-question")];
      if (q) { show(q.sparql, true); root.scrollIntoView(); }
    });
  });
  window.coevidenceYasgui = yasgui;
})();
