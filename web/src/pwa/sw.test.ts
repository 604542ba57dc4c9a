// @vitest-environment node
// public/sw.js run in a stand-in worker scope: its Cache Storage and network are fakes, so
// the tests see exactly what it keeps and what it answers with.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runInNewContext } from "node:vm";
import { beforeEach, describe, expect, it, vi } from "vitest";

const ORIGIN = "https://sra.test";
const SOURCE = readFileSync(resolve(import.meta.dirname, "../../public/sw.js"), "utf8");

type Listener = (event: FakeEvent) => void;

interface FakeEvent {
  request?: Request;
  data?: unknown;
  respondWith: (answer: Promise<Response>) => void;
  waitUntil: (work: Promise<unknown>) => void;
}

class FakeCache {
  readonly entries = new Map<string, Response>();
  private key(what: RequestInfo | URL): string {
    return new URL(what instanceof Request ? what.url : String(what), ORIGIN).href;
  }
  match(what: RequestInfo | URL): Promise<Response | undefined> {
    return Promise.resolve(this.entries.get(this.key(what))?.clone());
  }
  put(what: RequestInfo | URL, response: Response): Promise<void> {
    this.entries.set(this.key(what), response);
    return Promise.resolve();
  }
  delete(what: RequestInfo | URL): Promise<boolean> {
    return Promise.resolve(this.entries.delete(this.key(what)));
  }
  keys(): Promise<Request[]> {
    return Promise.resolve([...this.entries.keys()].map((url) => new Request(url)));
  }
}

function html(body: string): Response {
  return new Response(body, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function worker() {
  const listeners = new Map<string, Listener>();
  const cache = new FakeCache();
  const network = vi.fn<(input: RequestInfo | URL) => Promise<Response>>();
  const scope = {
    location: { origin: ORIGIN },
    addEventListener: (type: string, listener: Listener) => listeners.set(type, listener),
    skipWaiting: () => Promise.resolve(),
    clients: { claim: () => Promise.resolve() },
  };
  runInNewContext(SOURCE, {
    self: scope,
    caches: { open: () => Promise.resolve(cache), keys: () => Promise.resolve(["sra-shell-v1"]), delete: () => Promise.resolve(true) },
    fetch: network,
    URL,
    Response,
    Request,
    Set,
    Promise,
  });

  async function dispatch(type: string, init: Partial<FakeEvent> = {}): Promise<Response | undefined> {
    let answer: Promise<Response> | undefined;
    const work: Promise<unknown>[] = [];
    listeners.get(type)?.({
      ...init,
      respondWith: (promise) => {
        answer = promise;
      },
      waitUntil: (promise) => {
        work.push(promise);
      },
    });
    await Promise.all(work);
    return answer;
  }

  const get = (path: string, mode: RequestMode = "cors") => {
    const request = new Request(`${ORIGIN}${path}`);
    Object.defineProperty(request, "mode", { value: mode });
    return dispatch("fetch", { request });
  };

  return { cache, network, dispatch, get };
}

describe("the service worker", () => {
  let sw: ReturnType<typeof worker>;

  beforeEach(() => {
    sw = worker();
  });

  it("keeps the shell and the assets index.html names when installed", async () => {
    sw.network.mockImplementation((input) =>
      Promise.resolve(
        input === "/app/"
          ? html('<script type="module" src="/app/assets/index-abc.js"></script><link rel="stylesheet" href="/app/assets/index-abc.css">')
          : new Response("asset"),
      ),
    );
    await sw.dispatch("install");
    expect([...sw.cache.entries.keys()].sort()).toEqual([
      `${ORIGIN}/app/assets/index-abc.css`,
      `${ORIGIN}/app/assets/index-abc.js`,
      `${ORIGIN}/app/index.html`,
    ]);
  });

  it("never answers for the API", async () => {
    expect(await sw.get("/requests?limit=20")).toBeUndefined();
    expect(await sw.get("/auth/me")).toBeUndefined();
    expect(await sw.get("/events/stream")).toBeUndefined();
    expect(sw.network).not.toHaveBeenCalled();
    expect(sw.cache.entries.size).toBe(0);
  });

  it("loads pages from the network first and from the kept shell when offline", async () => {
    sw.network.mockResolvedValueOnce(html("<p>fresh</p>"));
    const online = await sw.get("/app/jobs", "navigate");
    expect(await online?.text()).toBe("<p>fresh</p>");

    sw.network.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    const offline = await sw.get("/app/jobs/r1", "navigate");
    expect(await offline?.text()).toBe("<p>fresh</p>");
  });

  it("does not keep a failed page as the shell", async () => {
    sw.network.mockResolvedValueOnce(html("<p>shell</p>"));
    await (await sw.get("/app/jobs", "navigate"))?.text();
    sw.network.mockResolvedValueOnce(new Response("bad gateway", { status: 502, headers: { "Content-Type": "text/html" } }));
    await (await sw.get("/app/jobs", "navigate"))?.text();
    expect(await sw.cache.entries.get(`${ORIGIN}/app/index.html`)?.clone().text()).toBe("<p>shell</p>");
  });

  it("serves a built asset it has from the cache without asking the network", async () => {
    sw.network.mockResolvedValueOnce(new Response("code"));
    expect(await (await sw.get("/app/assets/JobsPage-x1.js"))?.text()).toBe("code");
    expect(await (await sw.get("/app/assets/JobsPage-x1.js"))?.text()).toBe("code");
    expect(sw.network).toHaveBeenCalledTimes(1);
  });

  it("keeps the assets the page reports it loaded, and only those under /app/assets/", async () => {
    sw.network.mockImplementation(() => Promise.resolve(new Response("asset")));
    await sw.dispatch("message", { data: { type: "cache-assets", urls: [`${ORIGIN}/app/assets/a.js`, `${ORIGIN}/requests`, "https://evil.test/app/assets/b.js"] } });
    expect([...sw.cache.entries.keys()]).toEqual([`${ORIGIN}/app/assets/a.js`]);
  });
});
