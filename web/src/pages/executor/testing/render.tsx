// Renders the executor's pages as the app does (router under /app, query client, Russian
// texts), with a job factory for the API's answers.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";

import "../../../i18n";
import type { RequestView } from "../../../requests/useRequestAction";
import JobsPage from "../JobsPage";

export const EXECUTOR_ID = "e0000000-0000-4000-8000-000000000001";

export function job(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: "r0000000-0000-4000-8000-000000000001",
    actions: [],
    address: "Москва, ул. Ленина, 1",
    assignee_id: EXECUTOR_ID,
    budget: null,
    category: "Сантехника",
    created_at: "2026-12-01T09:00:00Z",
    customer_id: "c0000000-0000-4000-8000-000000000001",
    description: "Течёт кран на кухне",
    paperwork_failed: false,
    report: null,
    sla_breached: false,
    sla_due_at: null,
    sla_stage: null,
    state: "assigned",
    updated_at: "2026-12-01T09:00:00Z",
    version: 1,
    window_end: "2026-12-04T12:00:00Z",
    window_start: "2026-12-04T10:00:00Z",
    ...overrides,
  };
}

export function renderJobs(path = "/jobs") {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/jobs" element={<JobsPage />} />
          <Route path="/jobs/:requestId" element={<JobsPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
