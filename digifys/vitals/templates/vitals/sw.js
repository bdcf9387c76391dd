/* digifys service worker (issue #17 §1): the worklist and the vital-signs form open with no
 * connection. Served by vitals.offline_views.service_worker from /sw.js (scope: the whole site).
 *
 * - Pages: only the unit worklist and the vital-signs forms are kept, network first (a page is
 *   always fresh when the link works), the kept copy when it does not. A form never opened
 *   online is shown as the resident-less offline form, which its script fills in from the
 *   worklist kept on the tablet. Logging out, or a session that has ended, drops kept pages.
 * - Static files: the kept copy at once, refreshed in the background.
 * - Everything else passes through untouched. Saved entries are not kept here but in
 *   IndexedDB (static/vitals/outbox.js), which the pages sync.
 */
"use strict";

const URLS = {{ urls }};
const PAGES = "digifys-pages-v1";
const STATIC = "digifys-static-v1";
const KEPT_PAGES = [/^\/worklist\/units\/\d+\/$/, /^\/vitals\/\d+\/new\/$/];
const FORM = /^\/vitals\/\d+\/new\/$/;
const LAST_WORKLIST = "/worklist/";

async function keep(cacheName, url) {
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok && !response.redirected) {
      await (await caches.open(cacheName)).put(url, response);
    }
  } catch (error) {
    // Offline at install: the file is kept the next time a page loads it.
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      ...URLS.static.map((url) => keep(STATIC, url)),
      keep(STATIC, URLS.catalog),
      keep(PAGES, URLS.shell),
    ]).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => ![PAGES, STATIC].includes(name)).map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

// A response fit to answer a navigation from the cache (a followed redirect is not).
async function plain(response) {
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

async function page(request, url) {
  try {
    const response = await fetch(request);
    if (response.type === "opaqueredirect") {
      // A kept page that redirects sends to the login: the session has ended, and what the
      // tablet kept of it goes too. (The worklist's own redirect to the unit keeps nothing.)
      if (KEPT_PAGES.some((re) => re.test(url.pathname))) await caches.delete(PAGES);
      return response;
    }
    const landed = new URL(response.url);
    if (response.ok && (KEPT_PAGES.some((re) => re.test(landed.pathname)) || landed.pathname === URLS.shell)) {
      const cache = await caches.open(PAGES);
      const copy = await plain(response.clone());
      await cache.put(landed.pathname + landed.search, copy.clone());
      if (landed.pathname.startsWith("/worklist/")) await cache.put(LAST_WORKLIST, copy);
    }
    return response;
  } catch (error) {
    const cache = await caches.open(PAGES);
    const kept = (await cache.match(url.pathname + url.search)) ||
      (await cache.match(url.pathname, { ignoreSearch: true })) ||
      (FORM.test(url.pathname) && (await cache.match(URLS.shell))) ||
      ((url.pathname === "/" || url.pathname === LAST_WORKLIST) && (await cache.match(LAST_WORKLIST)));
    if (kept) return kept;
    throw error;
  }
}

async function staticFile(request) {
  const cache = await caches.open(STATIC);
  const kept = await cache.match(request, { ignoreVary: true });
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    fresh.catch(() => null);
    return kept;
  }
  return fresh;
}

async function networkFirst(request) {
  const cache = await caches.open(STATIC);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === URLS.logout) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith(URLS.static_prefix)) {
    event.respondWith(staticFile(request));
  } else if (url.pathname === URLS.catalog) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate" && (
    KEPT_PAGES.some((re) => re.test(url.pathname)) || url.pathname === URLS.shell ||
    url.pathname === "/" || url.pathname === LAST_WORKLIST)) {
    event.respondWith(page(request, url));
  }
});
