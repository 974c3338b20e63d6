/* The collector's route page: entries are kept on the phone (the shared field queue,
 * saae/static/field-queue.js, in the collector's own storage) and sent to the server when
 * there is a connection. Every entry carries a random key made here; the server stores it
 * with a unique constraint and answers a replay with its first answer, so retries never
 * duplicate a collection. No external libraries. */
(function () {
  "use strict";
  var root = document.getElementById("campo");
  if (!root) return;
  var SYNC = root.dataset.sync, DAY = root.dataset.day;
  var sending = false, backoff = 0, timer = null;

  // -- storage: the collector's own queue (field-queue.js); the technician's app has another --
  var queue = window.SaaeFieldQueue.open({
    name: "saae-coletor", dbName: "saae-campo", keyPath: "key", orderBy: "saved_at",
    legacy: function (e) { return "sample_id" in e; }
  });
  function put(entry) { return queue.put(entry); }
  function all() { return queue.all(); }
  function remove(key) { return queue.remove(key); }

  // -- keys, time, photos -------------------------------------------------------------------
  function newKey() {  // crypto.randomUUID needs https; getRandomValues works everywhere
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return "c" + Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function collectedAt(hhmm) {
    var d = hhmm ? new Date(DAY + "T" + hhmm + ":00") : new Date();
    if (isNaN(d.getTime())) d = new Date();
    return d.toISOString();
  }
  function shrinkPhoto(file) {  // at most 1280 px, JPEG: a phone photo fits a slow connection
    return new Promise(function (resolve) {
      if (!file) { resolve(null); return; }
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var k = Math.min(1, 1280 / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.round(img.width * k); c.height = Math.round(img.height * k);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        resolve(c.toDataURL("image/jpeg", 0.75));
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
      img.src = url;
    });
  }

  // -- page state ---------------------------------------------------------------------------
  function stopOf(sampleId) { return document.getElementById("parada-" + sampleId); }
  function mark(entry, cls, text, error) {
    var el = stopOf(entry.sample_id);
    if (!el) return;
    el.classList.remove("feita", "pendente", "falhou");
    el.classList.add(cls);
    el.querySelector("[data-situacao]").textContent = text;
    var err = el.querySelector("[data-erro]");
    err.hidden = !error; err.textContent = error || "";
    el.querySelectorAll("form.registro").forEach(function (f) { f.hidden = cls !== "falhou"; });
    if (error) {  // a refusal reopens the card with the reason in view, so it can be redone
      el.open = true;
      err.scrollIntoView({ block: "center" });
    }
  }
  function pendingText(e) {
    return (e.kind === "coletada" ? "Coletada" : "Não coletada") + " · salvo no aparelho, aguardando envio";
  }
  function refresh() {
    var online = navigator.onLine;
    var st = document.getElementById("status");
    st.classList.toggle("offline", !online);
    document.getElementById("rede").textContent = online ? "Conectado" : "Sem conexão";
    return all().then(function (rows) {
      document.getElementById("fila").textContent = rows.length + " registro(s) aguardando envio";
      rows.forEach(function (e) { mark(e, "pendente", pendingText(e)); });
      return rows;
    });
  }

  // -- sending ------------------------------------------------------------------------------
  function schedule() {
    clearTimeout(timer);
    backoff = Math.min(60000, backoff ? backoff * 2 : 2000);
    timer = setTimeout(function () { timer = null; flush(); }, backoff);
  }
  function batches(rows) {  // photos make entries big: about 3 MB per request
    var out = [], cur = [], size = 0;
    rows.forEach(function (e) {
      var n = JSON.stringify(e).length;
      if (cur.length && (size + n > 3e6 || cur.length >= 20)) { out.push(cur); cur = []; size = 0; }
      cur.push(e); size += n;
    });
    if (cur.length) out.push(cur);
    return out;
  }
  function send(batch) {
    return fetch(SYNC, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ entries: batch })
    }).then(function (resp) {
      if (resp.status === 401) throw new Error("login");
      if (!resp.ok) throw new Error("http " + resp.status);
      return resp.json();
    }).then(function (data) {
      var byKey = {};
      batch.forEach(function (e) { byKey[e.key] = e; });
      return Promise.all(data.results.map(function (r) {
        var e = byKey[r.key];
        if (!e) return null;
        if (r.status === 200) {
          mark(e, "feita", (e.kind === "coletada" ? "Coletada" : "Não coletada") + " · enviado");
        } else {  // refused for good (validation, state): show why, let the collector redo it
          mark(e, "falhou", "Recusado pelo servidor", (r.body && r.body.error && r.body.error.message) || "Recusado.");
        }
        return remove(e.key);
      }));
    });
  }
  function flush() {
    if (sending) return Promise.resolve();
    if (!navigator.onLine) { refresh(); return Promise.resolve(); }
    sending = true;
    return all().then(function (rows) {
      var chain = Promise.resolve();
      batches(rows).forEach(function (b) { chain = chain.then(function () { return send(b); }); });
      return chain;
    }).then(function () {
      backoff = 0;
    }).catch(function (err) {
      document.getElementById("rede").textContent = err.message === "login"
        ? "Sessão expirada: entre novamente para enviar" : "Falha no envio; nova tentativa em breve";
      schedule();
    }).then(function () {
      sending = false;
      return refresh().then(function (rows) { if (rows.length && navigator.onLine && !timer) schedule(); });
    });
  }

  // -- forms and GPS ------------------------------------------------------------------------
  function capture(form) {
    var out = form.querySelector("[data-gps]") || form.parentNode.querySelector("[data-gps]");
    if (!navigator.geolocation) { out.firstChild.textContent = "GPS indisponível neste aparelho. "; return; }
    out.firstChild.textContent = "GPS: obtendo posição... ";
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.latitude.value = pos.coords.latitude.toFixed(6);
      form.elements.longitude.value = pos.coords.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(pos.coords.accuracy);
      out.firstChild.textContent = "GPS: " + pos.coords.latitude.toFixed(5) + ", " +
        pos.coords.longitude.toFixed(5) + " (+/- " + Math.round(pos.coords.accuracy) + " m) ";
    }, function (err) {
      // err.message is the browser's own (English) text: say it in Portuguese by code
      var why = { 1: "permissão de localização negada", 2: "posição não encontrada", 3: "tempo esgotado" }[err.code] || "erro do aparelho";
      out.firstChild.textContent = "GPS indisponível (" + why + "); a coleta pode seguir sem ele. ";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  document.querySelectorAll("details.parada").forEach(function (d) {
    d.addEventListener("toggle", function () {
      var f = d.querySelector("form[data-kind=coletada]");
      if (d.open && f && !f.elements.latitude.value) capture(f);
    });
    var f = d.querySelector("form[data-kind=coletada]");
    if (d.open && f) capture(f);
  });
  document.querySelectorAll("[data-capturar]").forEach(function (b) {
    b.addEventListener("click", function () { capture(b.closest("form")); });
  });
  document.querySelectorAll("form.registro").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var el = form.elements, kind = form.dataset.kind;
      var entry = { key: newKey(), sample_id: parseInt(el.sample_id.value, 10), kind: kind,
                    route_id: parseInt(root.dataset.route, 10), saved_at: new Date().toISOString() };
      var photo = Promise.resolve(null);
      if (kind === "coletada") {
        entry.collected_at = collectedAt(el.hora.value);
        entry.readings = {};
        ["cloro_residual_livre", "turbidez", "ph", "temperatura"].forEach(function (k) {
          if (el[k] && el[k].value.trim()) entry.readings[k] = el[k].value.trim();
        });
        if (el.latitude.value) {
          entry.latitude = parseFloat(el.latitude.value);
          entry.longitude = parseFloat(el.longitude.value);
          entry.accuracy_m = parseFloat(el.accuracy_m.value) || null;
        }
        photo = shrinkPhoto(el.foto && el.foto.files[0]);
      } else {
        entry.reason = [el.motivo_tipo.value, el.motivo.value.trim()].filter(Boolean).join(" - ");
      }
      photo.then(function (data) {
        if (data) entry.photo = data;
        return put(entry);
      }).then(function () {
        mark(entry, "pendente", pendingText(entry));
        var next = stopOf(entry.sample_id).nextElementSibling;
        stopOf(entry.sample_id).open = false;
        if (next && next.matches("details.parada") && !next.classList.contains("feita")) next.open = true;
        return flush();
      });
    });
  });

  window.addEventListener("online", function () { backoff = 0; clearTimeout(timer); timer = null; flush(); });
  window.addEventListener("offline", refresh);
  document.getElementById("enviar").addEventListener("click", function () { backoff = 0; flush(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);

  if ("serviceWorker" in navigator && root.dataset.sw) {  // reopen the page without signal
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {  // this very page was loaded before the worker: keep a copy now
      var assets = [location.href].concat(Array.prototype.map.call(
        document.querySelectorAll("link[rel=stylesheet], script[src]"), function (n) { return n.href || n.src; }));
      return window.caches && caches.open("saae-campo-v1").then(function (c) { return c.addAll(assets); });
    }).then(function () { root.dataset.offlineReady = "1"; }).catch(function () {});
  }
  refresh().then(flush);
})();
