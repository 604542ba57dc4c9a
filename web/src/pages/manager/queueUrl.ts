// The queue's filters and sort live in the address, so a reload, the back button and a
// link sent to a colleague all show the same queue.
import type { State } from "../../components/StateChip";
import { ALL_STATES, DEFAULT_FILTERS, type QueueFilters, type SortParam } from "./queueApi";

export const DEFAULT_SORT: SortParam = "-created_at";
const SORTS: readonly string[] = ["created_at", "updated_at", "sla_due_at"].flatMap((f) => [f, `-${f}`]);

export function readQueue(params: URLSearchParams): { filters: QueueFilters; sort: SortParam } {
  const raw = params.getAll("state");
  // A lone empty state= means "every state"; no state at all means the open ones.
  const states = raw.length === 0 ? DEFAULT_FILTERS.states : ALL_STATES.filter((s: State) => raw.includes(s));
  const sort = params.get("sort") ?? DEFAULT_SORT;
  return {
    filters: {
      states,
      category: params.get("category") ?? "",
      assigneeId: params.get("executor") ?? "",
      slaBreachedOnly: params.get("sla") === "breached",
    },
    sort: SORTS.includes(sort) ? (sort as SortParam) : DEFAULT_SORT,
  };
}

export function writeQueue(filters: QueueFilters, sort: SortParam): URLSearchParams {
  const params = new URLSearchParams();
  const isDefault = filters.states.length === DEFAULT_FILTERS.states.length && DEFAULT_FILTERS.states.every((s) => filters.states.includes(s));
  if (!isDefault) {
    if (filters.states.length === 0) params.append("state", "");
    for (const s of filters.states) params.append("state", s);
  }
  if (filters.category) params.set("category", filters.category);
  if (filters.assigneeId) params.set("executor", filters.assigneeId);
  if (filters.slaBreachedOnly) params.set("sla", "breached");
  if (sort !== DEFAULT_SORT) params.set("sort", sort);
  return params;
}
