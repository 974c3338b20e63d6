// Keeps the technician's page usable offline: network first, the cached copy when there is none.
// The page's scripts and styles are static files (no inline code under the CSP): cached too.
const CACHE = "saae-tecnico-v1";
const PAGE = "{{ url_for('incidents.field_page') }}";
const ASSETS = [PAGE, "{{ url_for('static', filename='saae.css') }}", "{{ url_for('static', filename='saae.js') }}",
  "{{ url_for('static', filename='field-queue.js') }}", "{{ url_for('static', filename='incidents/campo.js') }}",
  "{{ url_for('static', filename='incidents/campo.css') }}"];
self.addEventListener("install", (e) => { e.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting())); });
self.addEventListener("activate", (e) => { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", (e) => {
  if (e.request.method !== "GET") return;
  const path = new URL(e.request.url).pathname;
  if (!(e.request.url.includes(PAGE) || ASSETS.indexOf(path) >= 0)) return;
  e.respondWith(fetch(e.request).then((r) => { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); return r; })
    .catch(() => caches.match(e.request).then((r) => r || caches.match(PAGE))));
});
