// The app's service worker (scope /app/): it keeps the app shell so the app opens at a
// work site without signal. Pages come from the network first and from the cache only
// when the network fails; built assets carry a hash in their names, so a cached one is
// never stale. The API (everything outside /app/) is never cached or even touched here:
// its answers are personal and must not outlive the session.
"use strict";

const SHELL = "sra-shell-v1";
const SHELL_PAGE = "/app/index.html";
const SCOPE = "/app/";
const ASSETS = "/app/assets/";
/** Old builds' assets go once the cache holds more than this. */
const MAX_ENTRIES = 80;

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("sra-shell-") && name !== SHELL).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// The page reports the assets it loaded before this worker controlled it.
self.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "cache-assets" || !Array.isArray(data.urls)) return;
  const urls = data.urls.filter((url) => typeof url === "string" && isAsset(new URL(url, self.location.origin)));
  event.waitUntil(caches.open(SHELL).then((cache) => Promise.all(urls.map((url) => cacheIfMissing(cache, url)))));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  if (url.pathname === "/app/sw.js") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (isAsset(url)) {
    event.respondWith(asset(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});

function isAsset(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(ASSETS);
}

async function cacheShell() {
  const cache = await caches.open(SHELL);
  try {
    const fetched = await fetch(SCOPE, { cache: "no-cache", credentials: "same-origin" });
    if (!isHtml(fetched)) return;
    const html = await fetched.clone().text();
    // A navigation may not be answered with a followed redirect: keep a plain copy.
    const response = fetched.redirected ? new Response(html, { status: 200, headers: fetched.headers }) : fetched;
    await cache.put(SHELL_PAGE, response);
    await Promise.all(assetsIn(html).map((url) => cacheIfMissing(cache, url)));
  } catch {
    // Offline while installing: the next page load fills the cache instead.
  }
}

/** The scripts and styles index.html names (the entry and its preloads). */
function assetsIn(html) {
  const found = new Set();
  const pattern = /(?:src|href)="(\/app\/assets\/[^"?#]+)"/g;
  let match;
  while ((match = pattern.exec(html)) !== null) found.add(match[1]);
  return [...found];
}

function isHtml(response) {
  return response.ok && (response.headers.get("Content-Type") || "").includes("text/html");
}

async function cacheIfMissing(cache, url) {
  if (await cache.match(url)) return;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) await cache.put(url, response);
  } catch {
    // Not reachable now; it is fetched (and kept) when the page asks for it.
  }
}

/** Every route under /app/ is the same shell, so one copy serves them all offline. */
function page(request) {
  return networkFirst(request, SHELL_PAGE, isHtml);
}

async function asset(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, key = request, keep = (response) => response.ok) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (keep(response)) {
      await cache.put(key, response.clone());
      void trim(cache);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function trim(cache) {
  const keys = await cache.keys();
  const assets = keys.filter((key) => isAsset(new URL(key.url)));
  // Keys come back in the order they were stored: the oldest builds' files first.
  for (const key of assets.slice(0, Math.max(0, assets.length - MAX_ENTRIES))) await cache.delete(key);
}
