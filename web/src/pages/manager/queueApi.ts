// What the queue reads: one page of requests per (filters, sort, cursor), every executor
// (names, skills, load), a request's ranked candidates and offer cascade, and the web
// config for workflow links. Keys start with "requests" so the live stream's invalidation
// refreshes the page on screen.
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import type { State } from "../../components/StateChip";

export type RequestView = components["schemas"]["RequestPublic"];
export type Executor = components["schemas"]["ExecutorPublic"];
export type Transition = components["schemas"]["TransitionPublic"];
export type Attachment = components["schemas"]["AttachmentPublic"];
type ExecutorPage = components["schemas"]["ExecutorPage"];
export type Candidate = components["schemas"]["Candidate"];
export type Ineligible = components["schemas"]["Ineligible"];
export type ScorePart = components["schemas"]["ScorePart"];
export type Offer = components["schemas"]["Offer"];
export type CascadeState = components["schemas"]["CascadeState"];

export const OPEN_STATES: readonly State[] = ["new", "assigned", "accepted", "in_progress", "completed", "disputed"];
export const ALL_STATES: readonly State[] = [...OPEN_STATES, "confirmed", "closed", "cancelled"];

export type SortField = "created_at" | "updated_at" | "sla_due_at";
export type SortParam = SortField | `-${SortField}`;

export interface QueueFilters {
  states: State[];
  category: string;
  slaBreachedOnly: boolean;
  assigneeId: string;
}

export const DEFAULT_FILTERS: QueueFilters = { states: [...OPEN_STATES], category: "", slaBreachedOnly: false, assigneeId: "" };

export function useQueuePage(filters: QueueFilters, sort: SortParam, pageSize: number, cursor: string | null) {
  return useQuery({
    queryKey: ["requests", "queue", filters, sort, pageSize, cursor],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/requests", {
          signal,
          params: {
            query: {
              state: filters.states.length > 0 ? filters.states : null,
              category: filters.category || null,
              assignee_id: filters.assigneeId || null,
              sla_breached: filters.slaBreachedOnly ? true : null,
              sort,
              limit: pageSize,
              cursor,
            },
          },
        }),
      ),
    // The rows on screen stay while the next page, sort or a live refresh loads.
    placeholderData: keepPreviousData,
  });
}

const EXECUTOR_PAGE = 200;
const EXECUTOR_PAGES_AT_MOST = 25;

async function allExecutors(signal: AbortSignal): Promise<Executor[]> {
  const executors: Executor[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < EXECUTOR_PAGES_AT_MOST; page++) {
    const answer: ExecutorPage = unwrap(await api.GET("/executors", { signal, params: { query: { limit: EXECUTOR_PAGE, cursor } } }));
    executors.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return executors;
}

export function useExecutors() {
  return useQuery({ queryKey: ["executors"], queryFn: ({ signal }) => allExecutors(signal), staleTime: 30_000 });
}

export function useRequest(requestId: string | undefined) {
  return useQuery({
    queryKey: ["request", requestId],
    enabled: requestId !== undefined,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/requests/{request_id}", { signal, params: { path: { request_id: requestId ?? "" } } })),
  });
}

export function useHistory(requestId: string) {
  return useQuery({
    queryKey: ["history", requestId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/requests/{request_id}/history", { signal, params: { path: { request_id: requestId } } })),
  });
}

export function useAttachments(requestId: string) {
  return useQuery({
    queryKey: ["attachments", requestId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/requests/{request_id}/attachments", { signal, params: { path: { request_id: requestId } } })),
  });
}

/** Whom the server would let take the request, best first, and why not the others: the
 * server knows areas, duty and capacity, which the executor list does not tell. */
export function useCandidates(requestId: string) {
  return useQuery({
    queryKey: ["candidates", requestId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/requests/{request_id}/candidates", { signal, params: { path: { request_id: requestId } } })),
  });
}

/** The request's automatic offers (the drawer asks only when the request has a cascade). */
export function useOffers(requestId: string) {
  return useQuery({
    queryKey: ["offers", requestId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/requests/{request_id}/offers", { signal, params: { path: { request_id: requestId } } })),
  });
}

type WebConfig = components["schemas"]["WebConfig"];

export function useWebConfig() {
  return useQuery({
    queryKey: ["web-config"],
    staleTime: Infinity,
    queryFn: async ({ signal }) => unwrap(await api.GET("/web/config", { signal })),
  });
}

export function workflowUrl(config: WebConfig, requestId: string): string {
  const base = config.temporal_ui_url.replace(/\/+$/, "");
  return `${base}/namespaces/${encodeURIComponent(config.temporal_namespace)}/workflows/request-${requestId}`;
}
