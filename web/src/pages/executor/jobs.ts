// How the executor's jobs are grouped and shown: work still to do on top, soonest first.
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import type { RequestView } from "../../requests/useRequestAction";

type State = components["schemas"]["State"];

export const ACTIVE_STATES: State[] = ["assigned", "accepted", "in_progress", "disputed"];
export const DONE_STATES: State[] = ["completed", "confirmed", "closed", "cancelled"];
export type JobGroup = "active" | "done";

const PAGE_SIZE = { active: 100, done: 20 } as const;

export async function fetchJobs(group: JobGroup, cursor: string | null) {
  return unwrap(
    await api.GET("/requests", {
      params: {
        query: {
          state: group === "active" ? ACTIVE_STATES : DONE_STATES,
          sort: group === "active" ? "created_at" : "-updated_at",
          limit: PAGE_SIZE[group],
          ...(cursor ? { cursor } : {}),
        },
      },
    }),
  );
}

const URGENCY: Partial<Record<State, number>> = { in_progress: 0, accepted: 1, assigned: 2, disputed: 3 };

function startOf(job: RequestView): number {
  return job.window_start ? Date.parse(job.window_start) : Number.POSITIVE_INFINITY;
}

/** Work under way first, then what is agreed, then new offers; each by its time window. */
export function byUrgency(a: RequestView, b: RequestView): number {
  const rank = (URGENCY[a.state] ?? 9) - (URGENCY[b.state] ?? 9);
  return rank !== 0 ? rank : startOf(a) - startOf(b);
}

export function formatWindow(job: Pick<RequestView, "window_start" | "window_end">, language: string): string | null {
  if (!job.window_start && !job.window_end) return null;
  const day = new Intl.DateTimeFormat(language, { day: "numeric", month: "short", weekday: "short" });
  const time = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
  const start = job.window_start ? new Date(job.window_start) : null;
  const end = job.window_end ? new Date(job.window_end) : null;
  if (start && end && start.toDateString() === end.toDateString()) {
    return `${day.format(start)}, ${time.format(start)}–${time.format(end)}`;
  }
  const full = (date: Date) => `${day.format(date)}, ${time.format(date)}`;
  if (start && end) return `${full(start)} – ${full(end)}`;
  return start ? `${full(start)} –` : `– ${full(end as Date)}`;
}
