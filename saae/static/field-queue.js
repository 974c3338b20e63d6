/* The offline queue of the field apps (the collector's route page and the technician's orders
 * page): entries wait on the phone (IndexedDB, or localStorage where IndexedDB is missing) until
 * the page can send them. Each app opens its OWN queue, with its own database and its own
 * localStorage key, so one app never sends or drops the other's entries.
 *
 *   var q = SaaeFieldQueue.open({name: "saae-coletor", keyPath: "key", orderBy: "saved_at",
 *                                legacy: function (entry) { return "sample_id" in entry; }});
 *   q.put(entry).then(...); q.all().then(function (entries) {...}); q.remove(key);
 *
 * `legacy` claims this app's entries from the key both apps once shared ("saae-campo-fila"),
 * leaving the other app's entries there for it to claim. No external libraries. */
(function (global) {
  "use strict";
  var LEGACY_KEY = "saae-campo-fila", STORE = "fila";

  function readLs(key) {
    try { var v = JSON.parse(localStorage.getItem(key) || "[]"); return Array.isArray(v) ? v : []; }
    catch (e) { return []; }
  }
  function writeLs(key, rows) {
    if (rows.length) localStorage.setItem(key, JSON.stringify(rows));
    else localStorage.removeItem(key);
  }

  function Queue(opts) {
    this.keyPath = opts.keyPath || "key";
    this.orderBy = opts.orderBy || null;
    this.lsKey = opts.name + "-fila";
    this.dbName = opts.dbName || opts.name;
    this.legacy = opts.legacy || null;
    this.dbp = this._open().catch(function () { return null; });
    this.ready = this.legacy ? this._claimLegacy() : Promise.resolve();
  }
  Queue.prototype._open = function () {
    var dbName = this.dbName, keyPath = this.keyPath;
    return new Promise(function (resolve, reject) {
      if (!global.indexedDB) { reject(new Error("sem IndexedDB")); return; }
      var req = global.indexedDB.open(dbName, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: keyPath}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  };
  Queue.prototype._tx = function (mode, fn) {
    var self = this;
    return this.dbp.then(function (db) {
      if (!db) {  // localStorage fallback
        var rows = readLs(self.lsKey), out = fn(null, rows);
        if (mode === "readwrite") writeLs(self.lsKey, rows);
        return out;
      }
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), store = t.objectStore(STORE), result;
        var r = fn(store, null);
        if (r && "onsuccess" in r) r.onsuccess = function () { result = r.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  };
  Queue.prototype._claimLegacy = function () {
    var self = this, rows = readLs(LEGACY_KEY);
    var mine = rows.filter(function (e) { return e && typeof e === "object" && self.legacy(e); });
    if (!mine.length) return Promise.resolve();
    return mine.reduce(function (chain, e) {
      return chain.then(function () { return self._put(e); });
    }, Promise.resolve()).then(function () {
      writeLs(LEGACY_KEY, readLs(LEGACY_KEY).filter(function (e) { return !(e && typeof e === "object" && self.legacy(e)); }));
    });
  };
  Queue.prototype._put = function (entry) {
    var keyPath = this.keyPath;
    return this._tx("readwrite", function (store, rows) {
      if (store) return store.put(entry);
      var i = rows.findIndex(function (e) { return e[keyPath] === entry[keyPath]; });
      if (i >= 0) rows[i] = entry; else rows.push(entry);
    });
  };
  /** Keep an entry (replacing one with the same key). */
  Queue.prototype.put = function (entry) {
    var self = this;
    return this.ready.then(function () { return self._put(entry); });
  };
  /** Every waiting entry, oldest first when the queue was opened with `orderBy`. */
  Queue.prototype.all = function () {
    var self = this;
    return this.ready.then(function () {
      return self._tx("readonly", function (store, rows) { return store ? store.getAll() : rows.slice(); });
    }).then(function (rows) {
      rows = rows || [];
      var f = self.orderBy;
      if (f) rows.sort(function (a, b) { return String(a[f] || "") < String(b[f] || "") ? -1 : (String(a[f] || "") > String(b[f] || "") ? 1 : 0); });
      return rows;
    });
  };
  /** Drop the entries with these keys (one key or a list). */
  Queue.prototype.remove = function (keys) {
    var keyPath = this.keyPath, self = this;
    keys = Array.isArray(keys) ? keys : [keys];
    return this.ready.then(function () {
      return self._tx("readwrite", function (store, rows) {
        if (store) { var last; keys.forEach(function (k) { last = store.delete(k); }); return last; }
        for (var i = rows.length - 1; i >= 0; i--) if (keys.indexOf(rows[i][keyPath]) >= 0) rows.splice(i, 1);
      });
    });
  };

  global.SaaeFieldQueue = {open: function (opts) { return new Queue(opts); }, LEGACY_KEY: LEGACY_KEY};
})(window);
