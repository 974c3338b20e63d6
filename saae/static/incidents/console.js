/* Incidents console (incidents/console.html): the table and the map refresh every 10 s.
 * Rows are built as DOM nodes with text only; the map is the server's SVG document, parsed as
 * SVG (never as HTML) and imported, so nothing in it can run. */
(function () {
  "use strict";
  var box = document.getElementById("linhas-console");
  if (!box || !window.fetch) return;
  var tones = {critica: "falha", alta: "falha", media: "alerta", baixa: ""};
  function cell(tr, parts) {
    var td = document.createElement("td");
    parts.forEach(function (p) { td.appendChild(typeof p === "string" ? document.createTextNode(p) : p); });
    tr.appendChild(td);
    return td;
  }
  function el(name, text, cls) {
    var n = document.createElement(name);
    if (text != null) n.textContent = text;
    if (cls) n.className = cls;
    return n;
  }
  function row(r) {
    var tr = document.createElement("tr"), a = el("a", r.protocol);
    a.href = r.url;
    cell(tr, [a]);
    cell(tr, [String(r.title == null ? "" : r.title), document.createElement("br"),
              el("small", (r.origin || "") + (r.asset_code ? " · " + r.asset_code : ""))]);
    cell(tr, [String(r.kind_label == null ? "" : r.kind_label)]);
    cell(tr, [el("span", r.severity, "etiqueta " + (tones[r.severity] || ""))]);
    cell(tr, [String(r.state_label == null ? "" : r.state_label)]);
    cell(tr, [r.opened_local || ""]);
    return tr;
  }
  function empty() {
    var tr = document.createElement("tr"), td = el("td", box.dataset.vazio);
    td.colSpan = 6;
    tr.appendChild(td);
    return tr;
  }
  function map(svgText) {
    var holder = document.getElementById("mapa");
    var doc = new DOMParser().parseFromString(svgText || "", "image/svg+xml");
    var root = doc.documentElement;
    if (!root || root.nodeName !== "svg" || doc.getElementsByTagName("parsererror").length) return;
    root.querySelectorAll("script, foreignObject").forEach(function (n) { n.remove(); });
    holder.replaceChildren(document.importNode(root, true));
  }
  function refresh() {
    fetch(box.dataset.url + window.location.search, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        var rows = d.incidents.map(row);
        document.getElementById("linhas").replaceChildren.apply(document.getElementById("linhas"), rows.length ? rows : [empty()]);
        map(d.map);
        document.getElementById("ao-vivo").textContent = "Atualizado as " + new Date(d.at).toLocaleTimeString("pt-BR") + " (a cada 10 s).";
      })
      .catch(function () { document.getElementById("ao-vivo").textContent = "Sem conexão; tentando de novo..."; });
  }
  setInterval(refresh, 10000);
})();
