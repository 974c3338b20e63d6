/* Service worker of the collector's pages (/lims/campo/...): network first, and the last good
 * copy of the page and its script when there is no signal, so a route opened once can be
 * reopened offline. It never touches POSTs or the API: entries go through the page's queue. */
var CACHE = "saae-campo-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (!(url.pathname.indexOf("/lims/campo/") === 0 || url.pathname.indexOf("/lims/static/") === 0 ||
        url.pathname.indexOf("/static/") === 0)) return;
  e.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && !resp.redirected && resp.type === "basic") {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(req).then(function (hit) {
      return hit || new Response("Sem conexão e sem cópia desta página no aparelho.",
        { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    });
  }));
});
