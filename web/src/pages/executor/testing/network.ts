// openapi-fetch takes fetch and Request from globalThis when the client is created, so a
// test installs these before importing the app (from vi.hoisted). Request resolves the
// app's same-origin paths ("/requests") as a browser would; Node's would refuse them.
export interface Network {
  fetch: typeof fetch;
}

export function installNetwork(): Network {
  const network: Network = { fetch: () => Promise.reject(new Error("no fake API installed")) };
  const NodeRequest = globalThis.Request;
  class PageRequest extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" ? new URL(input, window.location.origin) : input, init);
    }
  }
  globalThis.Request = PageRequest;
  globalThis.fetch = (input, init) => network.fetch(input, init);
  return network;
}
