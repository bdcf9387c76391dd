/* The offline outbox and the worklist kept on the tablet, in IndexedDB (issue #17 §1).
 *
 * IndexedDB outlives a reload and a browser restart. Stores:
 * - "outbox": one entry per set of vital signs saved on the tablet, keyed by its idempotency key
 *   (a UUID made here); status "waiting", "refused" (kept for follow-up) or "sent".
 * - "roster": the residents of the worklists opened here (pk, name, room), so the offline form
 *   can say whose vital signs are being entered.
 */
(function (root) {
  "use strict";

  var DB_NAME = "digifys-offline";
  var VERSION = 1;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
        if (!db.objectStoreNames.contains("roster")) db.createObjectStore("roster", { keyPath: "pk" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = work(tx.objectStore(storeName));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = root.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  root.digifysOutbox = {
    newKey: newKey,
    put: function (entry) { return run("outbox", "readwrite", function (s) { return s.put(entry); }); },
    remove: function (key) { return run("outbox", "readwrite", function (s) { return s.delete(key); }); },
    all: function () { return run("outbox", "readonly", function (s) { return s.getAll(); }); },
    get: function (key) { return run("outbox", "readonly", function (s) { return s.get(key); }); },
    keepRoster: function (residents) {
      return run("roster", "readwrite", function (s) {
        residents.forEach(function (resident) { s.put(resident); });
      });
    },
    resident: function (pk) { return run("roster", "readonly", function (s) { return s.get(pk); }); }
  };
})(self);
