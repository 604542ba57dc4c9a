// Events from GET /events/stream, for components that react to one (a row flashing in
// the queue); the query cache is already updated by useLiveUpdates before they hear it.
import type { components } from "../api/schema";

export type RequestView = components["schemas"]["RequestPublic"];

export interface LiveRequestEvent {
  type: string;
  occurred_at: string;
  request: RequestView;
}

type Listener = (event: LiveRequestEvent) => void;
const listeners = new Set<Listener>();

export const liveEvents = {
  emit(event: LiveRequestEvent): void {
    for (const listener of listeners) listener(event);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
