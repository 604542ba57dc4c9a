// A scripted API for the customer pages' tests. Import it before anything that imports the
// API client: openapi-fetch keeps the fetch and Request it finds when the client is made,
// so both stand-ins must be in place first.
import { vi } from "vitest";

import type { User } from "../../../auth/AuthProvider";

// Whole pages under MUI in jsdom take seconds per test on a busy machine.
vi.setConfig({ testTimeout: 20_000 });

// jsdom pages resolve "/requests" against their origin; Node's Request refuses it.
const Base = globalThis.Request;
vi.stubGlobal(
  "Request",
  class extends Base {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" ? new URL(input, location.href) : input, init);
    }
  },
);

export interface Call {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export interface Answer {
  status?: number;
  body?: unknown;
}
type Reply = Answer | ((call: Call) => Answer | Promise<Answer>);
interface Route {
  method: string;
  path: string | RegExp;
  reply: Reply;
}

let routes: Route[] = [];
const calls: Call[] = [];

export const customer: User = {
  id: "u-anna",
  email: "anna@example.com",
  full_name: "Анна Заказчица",
  role: "customer",
  locale: "ru",
  is_active: true,
  notification_channels: [],
  created_at: "2026-01-10T09:00:00Z",
};

function standing(): Route[] {
  return [
    { method: "POST", path: "/auth/session/refresh", reply: { body: { access_token: "token-1", expires_in: 900 } } },
    { method: "GET", path: "/auth/me", reply: { body: customer } },
  ];
}

async function answer(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const text = await request.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as the text sent
  }
  const call: Call = { method: request.method, path: url.pathname, search: url.searchParams, headers: request.headers, body };
  calls.push(call);
  const route = routes.find((r) => r.method === call.method && (typeof r.path === "string" ? r.path === call.path : r.path.test(call.path)));
  const reply = route ? (typeof route.reply === "function" ? await route.reply(call) : route.reply) : problem(501, `no fake for ${call.method} ${call.path}`);
  const status = reply.status ?? 200;
  if (reply.body instanceof Blob) return new Response(reply.body, { status });
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status, headers: { "Content-Type": type } });
}

vi.stubGlobal("fetch", vi.fn(answer));

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { type: "about:blank", title: "refused", status, detail, instance: "/", ...extra } };
}

export const fakeApi = {
  /** Answers `method path` from now on; the latest answer for a route wins. */
  on(method: string, path: string | RegExp, reply: Reply): void {
    routes.unshift({ method, path, reply });
  },
  /** The calls made so far to `method path`, oldest first. */
  calls(method: string, path: string | RegExp): Call[] {
    return calls.filter((c) => c.method === method && (typeof path === "string" ? c.path === path : path.test(c.path)));
  },
  reset(): void {
    routes = standing();
    calls.length = 0;
  },
};

fakeApi.reset();
