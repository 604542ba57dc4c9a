// Installs the service worker (public/sw.js, served as /app/sw.js) in production builds;
// the dev server's modules change on every save and must not be cached.
const SCRIPT = "/app/sw.js";
const SCOPE = "/app/";

/** The built assets this page loaded before a worker controlled it, for the worker to keep. */
export function loadedAssets(): string[] {
  return performance
    .getEntriesByType("resource")
    .map((entry) => entry.name)
    .filter((name) => {
      const url = new URL(name, location.origin);
      return url.origin === location.origin && url.pathname.startsWith(`${SCOPE}assets/`);
    });
}

export async function registerServiceWorker(container: ServiceWorkerContainer = navigator.serviceWorker): Promise<void> {
  // updateViaCache "none": a new sw.js is seen on the next visit, not after the HTTP cache expires.
  await container.register(SCRIPT, { scope: SCOPE, updateViaCache: "none" });
  const registration = await container.ready;
  registration.active?.postMessage({ type: "cache-assets", urls: loadedAssets() });
}

/** Call once at start-up; does nothing without service worker support or in development. */
export function startServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  const go = () => {
    registerServiceWorker().catch((error: unknown) => {
      // The app works without it, only not offline; nothing for the user to do.
      console.warn("service worker not installed", error);
    });
  };
  if (document.readyState === "complete") go();
  else window.addEventListener("load", go, { once: true });
}
