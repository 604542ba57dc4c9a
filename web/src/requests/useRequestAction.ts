// Every action on a request (assign … cancel) through one mutation: it sends an
// Idempotency-Key, so a retry after a lost answer cannot act twice, and puts the
// answer in the cache so the screen moves at once; lists refetch in the background.
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { components } from "../api/schema";

export type RequestView = components["schemas"]["RequestPublic"];

export type ActionCall =
  | { action: "accept" | "start" | "confirm" }
  | { action: "decline" | "dispute" | "cancel"; reason?: string }
  | { action: "assign"; executorId: string }
  // A manager moves the job to someone else; the server refuses the current assignee (422).
  | { action: "reassign"; executorId: string }
  // A manager takes an assigned request back into the queue; a running cascade stops.
  | { action: "withdraw"; reason?: string }
  | { action: "complete"; report: string }
  | { action: "resolve"; outcome: "rework" | "accept"; reason?: string };

export type ActionName = ActionCall["action"];

export async function sendAction(requestId: string, call: ActionCall, idempotencyKey: string): Promise<RequestView> {
  const params = { path: { request_id: requestId }, header: { "Idempotency-Key": idempotencyKey } };
  switch (call.action) {
    case "accept":
    case "start":
    case "confirm":
      return unwrap(await api.POST(`/requests/{request_id}/${call.action}`, { params }));
    case "decline":
    case "dispute":
    case "cancel":
    case "withdraw":
      return unwrap(
        await api.POST(`/requests/{request_id}/${call.action}`, { params, body: call.reason ? { reason: call.reason } : null }),
      );
    case "assign":
    case "reassign":
      return unwrap(await api.POST(`/requests/{request_id}/${call.action}`, { params, body: { executor_id: call.executorId } }));
    case "complete":
      return unwrap(await api.POST("/requests/{request_id}/complete", { params, body: { report: call.report } }));
    case "resolve":
      return unwrap(
        await api.POST("/requests/{request_id}/resolve", {
          params,
          body: { outcome: call.outcome, ...(call.reason ? { reason: call.reason } : {}) },
        }),
      );
  }
}

export interface RequestActionOptions {
  /** The caller shows the refusal itself (a ProblemAlert by the form): no snackbar besides. */
  quiet?: boolean;
}

export function useRequestAction(requestId: string, { quiet = false }: RequestActionOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (call: ActionCall) => sendAction(requestId, call, crypto.randomUUID()),
    // The mutation cache shows the snackbar only for mutations that handle no error themselves.
    ...(quiet ? { onError: () => undefined } : {}),
    onSuccess: (view) => {
      queryClient.setQueryData(["request", view.id], view);
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      void queryClient.invalidateQueries({ queryKey: ["history", view.id] });
      // An assignment or a withdrawal moves the offer cascade and who may take the job.
      void queryClient.invalidateQueries({ queryKey: ["offers", view.id] });
      void queryClient.invalidateQueries({ queryKey: ["candidates", view.id] });
    },
    onSettled: (_data, error) => {
      // A 409 means the screen was behind: show the request as it really is now.
      if (error) void queryClient.invalidateQueries({ queryKey: ["request", requestId] });
    },
  });
}
