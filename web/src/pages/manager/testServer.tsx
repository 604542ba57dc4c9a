// Test double of the API for the queue's tests. Import it FIRST: the API client keeps the
// fetch it finds when it loads, so the stand-in must be in place before that.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";

import type { Candidate, Executor, Offer, RequestView } from "./queueApi";

type Handler = (request: Request) => Response | Promise<Response> | undefined;

// jsdom's Request (Node's) refuses relative URLs; the app's client builds them.
const NodeRequest = globalThis.Request;
class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" && input.startsWith("/") ? new URL(input, window.location.origin) : input, init);
  }
}
globalThis.Request = PageRequest;

export const server = {
  handlers: [] as Handler[],
  calls: [] as Request[],
  reset(): void {
    this.handlers = [];
    this.calls = [];
  },
  on(method: string, path: string | RegExp, answer: (request: Request) => Response | Promise<Response>): void {
    this.handlers.push((request) => {
      const url = new URL(request.url);
      const matches = typeof path === "string" ? url.pathname === path : path.test(url.pathname);
      return request.method === method && matches ? answer(request) : undefined;
    });
  },
  requestsTo(method: string, path: string): Request[] {
    return this.calls.filter((r) => r.method === method && new URL(r.url).pathname === path);
  },
};

globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = input instanceof Request && !init ? input : new PageRequest(input, init);
  server.calls.push(request.clone());
  // Later handlers win, so a test can override a default answer.
  for (const handler of [...server.handlers].reverse()) {
    const response = await handler(request);
    if (response) return response;
  }
  return json({ type: "about:blank", title: "not mocked", status: 404 }, 404);
};

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

export function aRequest(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    customer_id: "c0000000-0000-4000-8000-000000000000",
    category: "plumbing",
    description: "Течёт кран",
    address: "Москва, Тверская ул., 1",
    state: "new",
    assignee_id: null,
    window_start: null,
    window_end: null,
    budget: null,
    report: null,
    sla_stage: null,
    sla_due_at: null,
    sla_breached: false,
    version: 1,
    created_at: "2026-12-03T10:00:00Z",
    updated_at: "2026-12-03T10:00:00Z",
    paperwork_failed: false,
    dispatch: null,
    actions: ["assign", "cancel"],
    ...overrides,
  };
}

export function anExecutor(overrides: Partial<Executor> = {}): Executor {
  return {
    id: "e0000000-0000-4000-8000-000000000001",
    email: "ivan@example.com",
    full_name: "Иван Петров",
    is_active: true,
    available: true,
    active_jobs: 0,
    capacity: 3,
    ratings: 0,
    service_area: "",
    skills: ["plumbing"],
    telegram_linked: false,
    verification_status: "verified",
    verified_until: "2099-01-01T00:00:00Z",
    ...overrides,
  };
}

/** A ranked candidate as GET /requests/{id}/candidates lists it: an idle newcomer. */
export function aCandidate(overrides: Partial<Candidate> = {}): Candidate {
  return {
    executor_id: "e0000000-0000-4000-8000-000000000001",
    full_name: "Иван Петров",
    score: 6.5,
    open_jobs: 0,
    capacity: 3,
    parts: [
      { factor: "load", value: 1, weight: 3, points: 3, why: "0 of 3 places taken", facts: { held: 0, capacity: 3 } },
      { factor: "rating", value: 0.5, weight: 2, points: 1, why: "not rated yet", facts: {} },
      { factor: "acceptance", value: 0.5, weight: 1.5, points: 0.75, why: "no offers yet", facts: {} },
      { factor: "sla", value: 0.5, weight: 1.5, points: 0.75, why: "no jobs yet", facts: {} },
      { factor: "area", value: 1, weight: 1, points: 1, why: "serves ЦАО", facts: { district: "ЦАО" } },
    ],
    ...overrides,
  };
}

export function anOffer(overrides: Partial<Offer> = {}): Offer {
  return {
    offer_no: 1,
    executor_id: "e0000000-0000-4000-8000-000000000001",
    full_name: "Иван Петров",
    status: "sent",
    sent_at: "2026-12-03T10:00:00Z",
    expires_at: "2026-12-03T10:15:00Z",
    answered_at: null,
    reason: null,
    ...overrides,
  };
}

function Where() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

export function renderAt(path: string, page: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/queue" element={page} />
          <Route path="/queue/:requestId" element={page} />
        </Routes>
        <Where />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
