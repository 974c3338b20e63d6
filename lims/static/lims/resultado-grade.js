/* Results grid (lims/resultado_grade.html): Enter or Tab moves to the next sample, and each
 * value is checked against the standard as it is typed. Server text goes in as text only. */
(function () {
  "use strict";
  var grid = document.getElementById("grade");
  if (!grid) return;
  var cells = Array.prototype.slice.call(document.querySelectorAll("input.celula"));
  var token = document.querySelector("input[name=csrf_token]");
  var code = grid.dataset.parametro, url = grid.dataset.previa;
  function tag(cls, text) {
    var span = document.createElement("span");
    span.className = "etiqueta " + cls;
    span.textContent = text;
    return span;
  }
  function check(cell) {
    var row = cell.closest("tr"), out = row.querySelector(".situacao"), conf = row.querySelector(".confirmar");
    if (!cell.value.trim()) { out.textContent = ""; conf.hidden = true; return; }
    fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
      body: JSON.stringify({amostra: cell.dataset.amostra, parametro: code, valor: cell.value})})
      .then(function (r) { return r.json(); }).then(function (j) {
        // an impossible value (pH 15, a negative concentration) cannot be confirmed
        if (j.error) { out.replaceChildren(tag("falha", j.error.message)); conf.hidden = true; return; }
        var cls = j.verdict === "conforme" ? "ok" : (j.verdict === "nao_conforme" ? "falha" : "alerta");
        var word = {conforme: "Dentro do padrão", nao_conforme: "Fora do padrão",
                    fora_da_recomendacao: "Fora da faixa recomendada"}[j.verdict] || "Sem conclusão";
        out.replaceChildren(tag(cls, word), document.createTextNode(" " + (j.padrao == null ? "" : j.padrao) +
                                                       (j.motivo ? " (" + j.motivo + ")" : "")));
        if (!j.plausivel) out.appendChild(tag("alerta", "valor incomum: confirme ao lado"));
        conf.hidden = j.plausivel;
      });
  }
  cells.forEach(function (cell, i) {
    cell.addEventListener("input", function () {  // the server's message was about the old value
      cell.closest("td").querySelectorAll(".erro-campo").forEach(function (p) { p.hidden = true; });
    });
    cell.addEventListener("change", function () { check(cell); });
    cell.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); check(cell); if (cells[i + 1]) cells[i + 1].focus(); else grid.querySelector("button[type=submit]").focus(); }
    });
  });
  if (cells[0]) cells[0].focus();
})();
