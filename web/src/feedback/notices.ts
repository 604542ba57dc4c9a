// Failures of actions reach the user even when no component shows them: the query
// client's mutation cache reports every error here and the Notices snackbar shows it.
type Notice = { id: number; severity: "error" | "success" | "info"; error?: unknown; text?: string };
type Listener = (notice: Notice) => void;

const listeners = new Set<Listener>();
let next = 1;

export const notices = {
  error(error: unknown): void {
    const notice: Notice = { id: next++, severity: "error", error };
    for (const listener of listeners) listener(notice);
  },
  say(text: string, severity: Notice["severity"] = "success"): void {
    const notice: Notice = { id: next++, severity, text };
    for (const listener of listeners) listener(notice);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export type { Notice };
