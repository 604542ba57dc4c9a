// Each tab of the browser is one copy of the session module here; they share the refresh
// cookie (single-use: a spent one is refused), the lock manager and the broadcast channel.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

type Session = (typeof import("./session"))["session"];

let cookie = 0;
let refreshes = 0;

async function refreshEndpoint(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  expect(input).toBe("/auth/session/refresh");
  expect(init?.method).toBe("POST");
  refreshes += 1;
  const spent = cookie;
  await new Promise((done) => setTimeout(done, 20));
  if (spent !== cookie) return new Response(null, { status: 401 });
  cookie += 1;
  return Response.json({ access_token: `t${cookie}`, expires_in: 900 });
}

class FakeChannel {
  static open = new Set<FakeChannel>();
  private readonly listeners = new Set<(event: MessageEvent) => void>();
  constructor(readonly name: string) {
    FakeChannel.open.add(this);
  }
  addEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.add(listener);
  }
  postMessage(data: unknown): void {
    for (const other of FakeChannel.open) {
      if (other === this || other.name !== this.name) continue;
      setTimeout(() => {
        for (const listener of other.listeners) listener(new MessageEvent("message", { data }));
      }, 0);
    }
  }
}

function fakeLocks() {
  let tail: Promise<unknown> = Promise.resolve();
  const names: string[] = [];
  return {
    names,
    request(name: string, callback: () => Promise<unknown>): Promise<unknown> {
      names.push(name);
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

async function openTab(): Promise<Session> {
  vi.resetModules();
  const { session } = await import("./session");
  session.accept({ access_token: `t${cookie}`, expires_in: 900 });
  return session;
}

beforeEach(() => {
  cookie = 0;
  refreshes = 0;
  vi.stubGlobal("fetch", vi.fn(refreshEndpoint));
});

afterEach(() => {
  vi.unstubAllGlobals();
  FakeChannel.open.clear();
  Reflect.deleteProperty(navigator, "locks");
});

describe("refreshing the session in several tabs", () => {
  it("spends the cookie once: the tab that waited takes the token the first one got", async () => {
    const locks = fakeLocks();
    Object.defineProperty(navigator, "locks", { value: locks, configurable: true });
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    const first = await openTab();
    const second = await openTab();

    const tokens = await Promise.all([first.refresh(), second.refresh()]);

    expect(refreshes).toBe(1);
    expect(tokens).toEqual(["t1", "t1"]);
    expect(second.accessToken()).toBe("t1");
    expect(locks.names).toEqual(["sra-refresh", "sra-refresh"]);
  });

  it("answers at once with the token another tab already renewed", async () => {
    Object.defineProperty(navigator, "locks", { value: fakeLocks(), configurable: true });
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    const first = await openTab();
    const second = await openTab();

    await first.refresh();
    await vi.waitFor(() => { expect(second.accessToken()).toBe("t1"); });
    // A call sent with the old token was refused: the new one is in hand already.
    expect(await second.refresh("t0")).toBe("t1");
    expect(refreshes).toBe(1);
  });

  it("keeps a signed-out tab signed out when another tab renews", async () => {
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    const first = await openTab();
    const second = await openTab();
    second.clear();

    await first.refresh();
    await new Promise((done) => setTimeout(done, 10));
    expect(second.accessToken()).toBeNull();
  });

  it("shares one refresh among a tab's parallel calls when the browser has no locks", async () => {
    const tab = await openTab();

    const tokens = await Promise.all([tab.refresh(), tab.refresh(), tab.refresh()]);

    expect(refreshes).toBe(1);
    expect(tokens).toEqual(["t1", "t1", "t1"]);
  });
});
