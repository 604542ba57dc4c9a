// Test support for the staff desks: the real typed client against a scripted fetch, the
// page under a router at a given address, and the snackbar so refusals can be seen.
import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import axe from "axe-core";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { vi } from "vitest";

import { Notices } from "../../feedback/Notices";
import { notices } from "../../feedback/notices";
import i18n from "../../i18n";

// Node's Request refuses relative URLs; the browser resolves them against the page.
const NodeRequest = globalThis.Request;
class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" && input.startsWith("/") ? new URL(input, location.origin) : input, init);
  }
}
vi.stubGlobal("Request", PageRequest);
// openapi-fetch keeps the fetch it found when the client was made, so a spy put on
// globalThis.fetch later never hears its calls: this stand-in is there from the start
// (import this module before anything that imports the client).
const fetchStandIn = vi.fn<typeof fetch>(() => Promise.reject(new TypeError("no scripted API")));
vi.stubGlobal("fetch", fetchStandIn);

// MUI pages under jsdom on a shared two-core machine: the 5 s default is too tight.
vi.setConfig({ testTimeout: 20_000 });

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Answer = { status?: number; body?: unknown } | undefined;
type Handler = (call: Call) => Answer;

export function json(body: unknown, status = 200): Answer {
  return { status, body };
}

export function problem(status: number, detail: string): Answer {
  return { status, body: { type: "about:blank", title: "refused", status, detail, instance: "/" } };
}

/** Answers every fetch with the first handler that returns something; records each call. */
export function mockApi(handler: Handler): Call[] {
  const calls: Call[] = [];
  fetchStandIn.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url, location.origin);
    const text = await request.text();
    const call: Call = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    calls.push(call);
    const answer = handler(call) ?? problem(404, `unscripted ${call.method} ${call.path}`);
    const status = answer?.status ?? 200;
    const headers = { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" };
    return new Response(status === 204 ? null : JSON.stringify(answer?.body ?? null), { status, headers });
  });
  return calls;
}

/** The page at `entry`, matched by `path` as App.tsx routes it, in Russian unless told. */
export function renderPage(ui: ReactElement, { path, entry, language = "ru" }: { path: string; entry?: string; language?: "ru" | "en" }) {
  void i18n.changeLanguage(language);
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
    mutationCache: new MutationCache({
      onError: (error, _v, _c, mutation) => {
        if (!mutation.options.onError) notices.error(error);
      },
    }),
  });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[entry ?? path]}>
        <Routes>
          {[...new Set([path, path.replace(/\/:[^/]+$/, "")])].map((route) => (
            <Route key={route} path={route} element={ui} />
          ))}
        </Routes>
        <Notices />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** What axe finds serious or critical in the page as rendered (jsdom has no colours to judge). */
export async function seriousViolations(node: Element = document.body): Promise<string[]> {
  const result = await axe.run(node, { rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.nodes.map((n) => n.html).join(" | ")}`);
}
