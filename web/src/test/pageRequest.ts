// jsdom pages resolve "/requests" against their origin; Node's Request, which jsdom uses,
// refuses a relative URL. Import this before anything that imports the API client:
// openapi-fetch keeps the Request it finds when the client is made.
import { vi } from "vitest";

const NodeRequest = globalThis.Request;

export class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, location.href) : input, init);
  }
}

vi.stubGlobal("Request", PageRequest);
