// Keeps the technician's page usable offline: network first, the cached copy when there is none.
const CACHE = "saae-campo-v1";
const PAGE = "{{ url_for('incidents.field_page') }}";
self.addEventListener("install", (e) => { e.waitUntil(caches.open(CACHE).then((c) => c.add(PAGE)).then(() => self.skipWaiting())); });
self.addEventListener("activate", (e) => { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", (e) => {
  if (e.request.method !== "GET" || !e.request.url.includes(PAGE)) return;
  e.respondWith(fetch(e.request).then((r) => { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); return r; })
    .catch(() => caches.match(e.request).then((r) => r || caches.match(PAGE))));
});
