/* Small behaviours shared by every page of the staff app. No inline handlers: the
 * Content-Security-Policy runs only scripts served from this origin. */
(function () {
  "use strict";
  // <input type="checkbox" data-marcar-todos="CSS selector">: ticks or clears every box it names
  document.querySelectorAll("input[data-marcar-todos]").forEach(function (all) {
    all.addEventListener("click", function () {
      document.querySelectorAll(all.dataset.marcarTodos).forEach(function (c) { c.checked = all.checked; });
    });
  });
})();
