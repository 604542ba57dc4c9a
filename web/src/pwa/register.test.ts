import { describe, expect, it, vi } from "vitest";

import { registerServiceWorker } from "./register";

describe("registerServiceWorker", () => {
  it("installs /app/sw.js for /app/ and hands it the assets the page already loaded", async () => {
    vi.spyOn(performance, "getEntriesByType").mockReturnValue([
      { name: `${location.origin}/app/assets/index-abc.js` },
      { name: `${location.origin}/requests?limit=20` },
      { name: "https://fonts.example/font.woff2" },
    ] as PerformanceEntry[]);
    const postMessage = vi.fn();
    const register = vi.fn(() => Promise.resolve({} as ServiceWorkerRegistration));
    const container = { register, ready: Promise.resolve({ active: { postMessage } }) } as unknown as ServiceWorkerContainer;

    await registerServiceWorker(container);

    expect(register).toHaveBeenCalledWith("/app/sw.js", { scope: "/app/", updateViaCache: "none" });
    expect(postMessage).toHaveBeenCalledWith({ type: "cache-assets", urls: [`${location.origin}/app/assets/index-abc.js`] });
  });
});
