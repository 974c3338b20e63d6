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
  // a wide table's scroll box (.tabela-rolavel) is reached and named for keyboard and screen
  // reader users: focusable region named by the table's caption or the heading before it
  document.querySelectorAll(".tabela-rolavel:not([tabindex])").forEach(function (box) {
    var name = box.querySelector("caption"), prev = box.previousElementSibling;
    while (!name && prev) {
      if (/^H[1-6]$/.test(prev.tagName)) { name = prev; }
      prev = prev.previousElementSibling;
    }
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", name ? name.textContent.trim() : "Tabela");
  });
})();
