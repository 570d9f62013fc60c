/* One pilot's network, drawn with cytoscape from /network/pilot/<key>.json at the positions
   the server computed (fixed seed). Selecting a node or a tie opens its page. */
(function () {
  "use strict";
  var box = document.getElementById("pilot-graph");
  if (!box || typeof cytoscape === "undefined") return;
  var links = JSON.parse(document.getElementById("pilot-links").textContent || "{}");
  var colours = {
    "public": "#1f5fa8", "third sector": "#2b8a3e", "private": "#b35c00", "research": "#7048a8",
    "citizens": "#c2255c", "professionals": "#0b7285", "pilot": "#333333"
  };
  function open(id) { if (id && links[id]) window.location.href = links[id]; }
  fetch(box.getAttribute("data-network"), { headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (report) {
      var graph = report.graph || report;
      var elements = [];
      graph.nodes.forEach(function (n) {
        elements.push({ group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, colour: colours[n.sector_group] || "#555" },
                        position: { x: n.x || 0, y: n.y || 0 } });
      });
      graph.edges.forEach(function (e, i) {
        var label = e.resource ? e.resource.replace(/^.*\//, "").replace(/-/g, " ") : (e.role ? e.role.replace(/^.*\//, "").replace(/-/g, " ") : e.kind);
        elements.push({ group: "edges", data: { id: "e" + i + "-" + e.id, source: e.source, target: e.target, label: label, claim: e.claim, kind: e.kind } });
      });
      box.classList.add("drawn");
      var cy = cytoscape({
        container: box, elements: elements, layout: { name: "preset", fit: true, padding: 30 },
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "background-color": "data(colour)", "label": "data(label)", "font-size": 22,
            "text-wrap": "wrap", "text-max-width": 220, "color": "#1b1b1b", "width": 34, "height": 34 } },
          { selector: "node[kind = 'Pilot']", style: { "shape": "round-rectangle", "width": 50, "height": 50 } },
          { selector: "node[kind = 'CitizenGroup'], node[kind = 'InformalNetwork']", style: { "shape": "ellipse" } },
          { selector: "node[kind = 'Organisation']", style: { "shape": "diamond" } },
          { selector: "edge", style: { "width": 3, "line-color": "#8a8a8a", "curve-style": "bezier", "label": "data(label)",
            "font-size": 16, "color": "#333", "text-rotation": "autorotate", "target-arrow-shape": "triangle",
            "target-arrow-color": "#8a8a8a" } },
          { selector: "edge[kind = 'participation']", style: { "line-style": "dashed", "target-arrow-shape": "none" } }
        ]
      });
      cy.on("tap", "node", function (evt) { open(evt.target.id()); });
      cy.on("tap", "edge", function (evt) { open(evt.target.data("claim")); });
      window.coevidenceGraph = cy;
    })
    .catch(function (error) { box.textContent = "The drawing could not be loaded; the table below holds the same data."; });
})();
