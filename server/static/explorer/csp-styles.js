/* Loaded before yasgui.min.js. YASGUI's table column resizer adds a <style> element, which a
   Content-Security-Policy of default-src 'self' blocks (and reports as a console error).
   This turns such an element into a constructed stylesheet (CSSOM, which the policy allows)
   and drops the element, so the editor works under the strict policy. */
(function () {
  "use strict";
  if (!("adoptedStyleSheets" in document) || typeof CSSStyleSheet === "undefined") return;
  var seen = {};
  var append = Node.prototype.appendChild;
  Node.prototype.appendChild = function (child) {
    if (child instanceof HTMLStyleElement && !child.hasAttribute("data-keep")) {
      var text = child.textContent || "";
      if (!seen[text]) {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
        seen[text] = true;
      }
      return child;
    }
    return append.call(this, child);
  };
})();
