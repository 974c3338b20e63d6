/* The technician's phone page (incidents/campo.html): the day's orders, each step kept in the
 * technician's own offline queue (saae/static/field-queue.js; the collector's app has another)
 * with a client key, and synced when there is a connection. Text from the server goes in as text. */
(function () {
  "use strict";
  var root = document.getElementById("campo-tecnico");
  if (!root) return;
  var API = root.dataset.ordens, SYNC = root.dataset.sync, OKEY = "saae-campo-ordens";
  var queue = window.SaaeFieldQueue.open({
    name: "saae-tecnico", keyPath: "client_key", orderBy: "at",
    legacy: function (e) { return "work_order_id" in e; }
  });
  var pending = [], sending = false;

  function chave() { return (window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(16).slice(2)); }
  function estado(txt, ok) { var e = document.getElementById("estado"); e.textContent = txt; e.className = ok ? "online" : ""; }
  function posicao(cb) {
    if (!navigator.geolocation) return cb({});
    navigator.geolocation.getCurrentPosition(function (p) { cb({lat: p.coords.latitude, lon: p.coords.longitude}); },
      function () { cb({}); }, {timeout: 3000, maximumAge: 60000});
  }
  function recarregarFila() { return queue.all().then(function (q) { pending = q; return q; }); }
  function registrar(os, kind, data) {
    data.vehicle = document.getElementById("veiculo").value || undefined;
    queue.put({client_key: chave(), work_order_id: os.id, kind: kind, at: new Date().toISOString(), data: data})
      .then(recarregarFila).then(function () { desenhar(); sincronizar(); });
  }
  function sincronizar() {
    if (sending) return;
    recarregarFila().then(function (q) {
      if (!q.length) { estado(navigator.onLine ? "Tudo sincronizado." : "Sem conexão - nada pendente.", navigator.onLine); return; }
      if (!navigator.onLine) { estado("Sem conexão: " + q.length + " ação(ões) guardada(s) no aparelho.", false); return; }
      sending = true;
      var lote = q.slice(0, 50);
      return fetch(SYNC, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify({actions: lote})})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (d) {
          var feitas = [];
          d.results.forEach(function (r) { if (r.status === "erro") alert(r.message); feitas.push(r.client_key); });
          return queue.remove(feitas);
        })
        .then(recarregarFila)
        .then(function (rest) {
          sending = false;
          estado("Sincronizado as " + new Date().toLocaleTimeString("pt-BR"), true);
          if (rest.length) sincronizar(); else carregar();
        })
        .catch(function () {
          sending = false;
          estado("Falha ao sincronizar; " + pending.length + " ação(ões) aguardando conexão.", false);
        });
    });
  }
  function desenhar() {
    var dados = null, box = document.getElementById("ordens");
    try { dados = JSON.parse(localStorage.getItem(OKEY) || "null"); } catch (e) { dados = null; }
    if (!dados) { box.textContent = "Sem dados ainda (conecte-se uma vez)."; return; }
    if (!document.getElementById("veiculo").value) document.getElementById("veiculo").value = dados.technician.vehicle || "";
    box.replaceChildren();
    if (!dados.orders.length) box.textContent = "Nenhuma ordem para hoje.";
    dados.orders.forEach(function (os) {
      var el = document.getElementById("modelo-os").content.cloneNode(true).firstElementChild;
      el.querySelector(".titulo").textContent = os.number + " - " + os.service;
      el.querySelector(".desc").textContent = (os.address || "") + " · " + (os.description || "") + " · prazo " + (os.due_local || "")
        + " · " + (os.state || "") + (os.pause_reason ? " (" + os.pause_reason + ")" : "");
      var feitos = os.done.concat(pending.filter(function (a) { return a.work_order_id === os.id; }).map(function (a) { return a.kind; }));
      os.kit.forEach(function (m) { var o = document.createElement("option"); o.value = m.code; o.textContent = m.name; el.querySelector(".material").appendChild(o); });
      var form = el.querySelector(".form-encerrar");
      os.form.forEach(function (f) { var l = document.createElement("label"); l.textContent = f.label + (f.required ? " *" : "") + " "; var i = document.createElement("input"); i.name = f.name; l.appendChild(i); form.appendChild(l); form.appendChild(document.createElement("br")); });
      el.querySelectorAll("button[data-kind]").forEach(function (b) {
        var k = b.getAttribute("data-kind");
        if (feitos.indexOf(k) >= 0 && ["aceitar", "a_caminho", "chegou", "inicio", "encerrar"].indexOf(k) >= 0) b.classList.add("feito");
        b.addEventListener("click", function () {
          if (k === "leitura") return registrar(os, k, {text: el.querySelector(".leitura").value});
          if (k === "material") { var s = el.querySelector(".material"); return registrar(os, k, {code: s.value, name: s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : s.value, qty: parseFloat(el.querySelector(".qtd").value || "1")}); }
          var km = el.querySelector(".km").value;
          if (k === "encerrar") { var ans = {}; form.querySelectorAll("input").forEach(function (i) { ans[i.name] = i.value; }); return registrar(os, k, km ? {form: ans, km: km} : {form: ans}); }
          if (k === "pausar") { var motivo = el.querySelector(".motivo-pausa").value.trim(); if (!motivo) { alert("Informe o motivo da pausa."); return; } return registrar(os, k, {reason: motivo}); }
          if (k === "a_caminho") return posicao(function (p) { if (km) p.km = km; registrar(os, k, p); });
          if (k === "chegou") return posicao(function (p) { registrar(os, k, p); });
          registrar(os, k, {});
        });
      });
      el.querySelector(".foto").addEventListener("change", function (ev) {
        var f = ev.target.files[0]; if (!f) return;
        var img = new Image(), rd = new FileReader();
        rd.onload = function () { img.onload = function () {
          var c = document.createElement("canvas"), s = Math.min(1, 1024 / Math.max(img.width, img.height));
          c.width = img.width * s; c.height = img.height * s; c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
          registrar(os, "foto", {photo: c.toDataURL("image/jpeg", 0.7), tag: el.querySelector(".foto-tag").value});
        }; img.src = rd.result; }; rd.readAsDataURL(f);
      });
      box.appendChild(el);
    });
  }
  function carregar() {
    fetch(API, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) { localStorage.setItem(OKEY, JSON.stringify(d)); desenhar(); })
      .catch(function () { desenhar(); });
  }
  window.addEventListener("online", sincronizar);
  window.addEventListener("offline", function () { estado("Sem conexão: as ações ficam guardadas no aparelho.", false); });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(root.dataset.sw, {scope: root.dataset.scope}).catch(function () {});
  recarregarFila().then(function () { desenhar(); carregar(); sincronizar(); });
  setInterval(sincronizar, 15000);
})();
