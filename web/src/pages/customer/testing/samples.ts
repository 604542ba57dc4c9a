import type { components } from "../../../api/schema";
import type { RequestView } from "../../../requests/useRequestAction";
import { customer } from "./fakeApi";

type Transition = components["schemas"]["TransitionPublic"];

export function sampleRequest(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: "r-1",
    customer_id: customer.id,
    category: "plumbing",
    description: "Течёт смеситель на кухне",
    address: "Москва, Тверская ул., 1, кв. 10",
    state: "new",
    assignee_id: null,
    window_start: null,
    window_end: null,
    budget: "2500.00",
    report: null,
    sla_stage: "assign",
    sla_due_at: "2026-12-01T12:00:00Z",
    sla_breached: false,
    version: 1,
    created_at: "2026-12-01T08:00:00Z",
    updated_at: "2026-12-01T08:00:00Z",
    paperwork_failed: false,
    actions: ["cancel"],
    ...overrides,
  };
}

export function sampleTransition(overrides: Partial<Transition> = {}): Transition {
  return {
    seq: 1,
    action: "create",
    from_state: null,
    to_state: "new",
    actor_id: customer.id,
    actor_role: "customer",
    occurred_at: "2026-12-01T08:00:00Z",
    data: {},
    ...overrides,
  };
}
