/* Reception screen: a USB barcode scanner is a keyboard that types the code and Enter. Each
 * Enter queues the code and clears the field at once (the next scan may come before the
 * answer), codes are sent one by one in order, and the focus always returns to the field. */
(function () {
  "use strict";
  var form = document.getElementById("leitor");
  if (!form || !window.fetch) return;
  var input = form.elements.codigo, temp = form.elements.temperatura;
  var out = document.getElementById("resultados"), tbody = document.querySelector("#recebidas tbody");
  var queue = [], busy = false, count = tbody ? tbody.rows.length : 0;

  function show(ok, text) {
    var p = document.createElement("p");
    p.className = "resultado " + (ok ? "ok" : "erro");
    p.textContent = text;
    out.insertBefore(p, out.firstChild);
    while (out.children.length > 6) out.removeChild(out.lastChild);
  }
  function when(iso) {
    if (!iso) return "";
    var d = new Date(iso), tz = form.dataset.tz || undefined;
    return d.toLocaleDateString("pt-BR", { timeZone: tz }) + " " +
      d.toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit", timeZone: tz });
  }
  function addRow(r) {
    if (!tbody) return;
    var tr = document.createElement("tr");
    function td(parts) {
      var c = document.createElement("td");
      parts.forEach(function (p) { c.appendChild(typeof p === "string" ? document.createTextNode(p) : p); });
      tr.appendChild(c);
    }
    function el(name, text, cls) {
      var n = document.createElement(name);
      n.textContent = text == null ? "" : String(text);
      if (cls) n.className = cls;
      return n;
    }
    td(r.is_recoleta ? [el("b", r.code), " ", el("span", "recoleta", "etiqueta alerta")] : [el("b", r.code)]);
    td([(r.point_code || "") + " - " + (r.point_name || ""), document.createElement("br"),
        el("small", (r.point_kind || "") + " · " + (r.neighbourhood || ""))]);
    td([el("small", (r.parameters || []).join(", "))]);
    td([when(r.collected_at)]);
    td([when(r.received_at)]);
    td([r.arrival_temperature != null ? String(r.arrival_temperature).replace(".", ",") + " °C" : ""]);
    tbody.insertBefore(tr, tbody.firstChild);
    count += 1;
    var c = document.getElementById("contador"); if (c) c.textContent = "(" + count + ")";
  }
  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var code = queue.shift();
    fetch(form.dataset.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ code: code, temperature: temp.value.trim() || null })
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        show(true, r.body.message + " " + r.body.point_code + " - " + r.body.point_name + " · " + r.body.parameters.join(", "));
        addRow(r.body);
      } else {
        show(false, (r.body.error && r.body.error.message) || "Erro ao receber " + code + ".");
      }
    }).catch(function () {
      show(false, "Sem conexão com o servidor: " + code + " NAO foi recebida. Leia de novo.");
    }).then(function () { busy = false; next(); });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (code) { queue.push(code); next(); }
  });
  // a stray click elsewhere must not make the next scan type into nothing
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("input, select, textarea, button, a, summary, label")) input.focus();
  });
  temp.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); input.focus(); } });
  try { temp.value = temp.value || localStorage.getItem("saae-recepcao-temp") || ""; } catch (e) {}
  temp.addEventListener("change", function () { try { localStorage.setItem("saae-recepcao-temp", temp.value); } catch (e) {} });
})();
