/* Starts Swagger UI on /api/v1/docs (saae/templates/swagger_ui.html). */
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui-container");
  var config = {url: box.dataset.specUrl, dom_id: "#swagger-ui-container"};
  var extra = JSON.parse(box.dataset.config || "{}");
  Object.keys(extra).forEach(function (k) { config[k] = extra[k]; });
  window.addEventListener("load", function () { window.ui = window.SwaggerUIBundle(config); });
})();
