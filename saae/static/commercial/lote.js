/* An invoice batch's page (commercial/lote.html): polls the progress while it runs. */
(function () {
  var box = document.getElementById("progresso");
  if (!box || ["pendente", "processando"].indexOf(box.dataset.estado) < 0) return;
  var timer = setInterval(function () {
    fetch(box.dataset.url, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("estado").textContent = s.estado;
      document.getElementById("contagem").textContent = s.feitas + " de " + s.total + " ligações (" + s.percentual + "%)";
      document.getElementById("barra").value = s.percentual;
      if (s.estado === "concluido" || s.estado === "falhou") { clearInterval(timer); location.reload(); }
    }).catch(function () {});
  }, 2000);
})();
