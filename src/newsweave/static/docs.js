// Starts Swagger UI on /docs (kept out of the page so the CSP needs no inline script).
"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  if (typeof SwaggerUIBundle === "undefined") return; // offline: the page keeps its link to the spec
  SwaggerUIBundle({ url: root.getAttribute("data-spec"), dom_id: "#swagger-ui", deepLinking: true });
});
