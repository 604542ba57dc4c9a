// The executor's actions wait here, in IndexedDB, until the API has answered them: a job
// site without signal must not lose an accept or a finished job's report and photos.
// Every entry keeps the Idempotency-Key made when the button was pressed, so a resend
// after a lost answer cannot act twice; entries go out in the order they were made, and
// one the API refused stays (with its problem) until the executor has read it.
import { get, update } from "idb-keyval";

import { ApiError, type Problem } from "../../api/problem";
import { sendAction, type RequestView } from "../../requests/useRequestAction";
import { uploadPhoto, type PhotoFile } from "./photos";

export type JobCall =
  | { action: "accept" | "start" }
  | { action: "decline"; reason?: string }
  | { action: "complete"; report: string };

export interface QueuedPhoto extends PhotoFile {
  /** Names the photo within its entry, to mark it sent. */
  key: string;
  uploaded: boolean;
}

export interface OutboxEntry {
  key: string;
  userId: string;
  requestId: string;
  call: JobCall;
  photos: QueuedPhoto[];
  createdAt: string;
  refusal?: { status: number; problem: Problem };
}

export interface FlushHooks {
  sent: (view: RequestView) => void;
  refused: (requestId: string) => void;
}

export const STORE_KEY = "executor-outbox-v1";
/** How long to wait before trying again after the server was busy or down. */
export const RETRY_AFTER_MS = 30_000;

type Listener = () => void;
const listeners = new Set<Listener>();
let entries: readonly OutboxEntry[] = [];
let loaded: Promise<void> | null = null;
let flushing: Promise<void> | null = null;
let flushRequests = 0;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

function publish(next: readonly OutboxEntry[]): void {
  entries = next;
  for (const listener of listeners) listener();
}

async function change(edit: (current: OutboxEntry[]) => OutboxEntry[]): Promise<void> {
  let result: OutboxEntry[] = [];
  await update<OutboxEntry[]>(STORE_KEY, (current) => {
    result = edit(current ?? []);
    return result;
  });
  publish(result);
}

function withoutPhotoData(photo: QueuedPhoto): QueuedPhoto {
  // Once the API has a photo, its bytes need not take room on the phone any more.
  return { ...photo, base64: "", uploaded: true };
}

export const outbox = {
  load: (): Promise<void> => {
    loaded ??= get<OutboxEntry[]>(STORE_KEY).then(
      (stored) => {
        publish(stored ?? []);
      },
      (error: unknown) => {
        // IndexedDB may come back (a storage prompt, a busy upgrade): try again next time.
        loaded = null;
        throw error;
      },
    );
    return loaded;
  },
  snapshot: (): readonly OutboxEntry[] => {
    return entries;
  },
  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  add: async (entry: OutboxEntry): Promise<void> => {
    await outbox.load();
    await change((current) => [...current, entry]);
  },
  dismiss: async (key: string): Promise<void> => {
    await change((current) => current.filter((entry) => entry.key !== key));
  },
  /** Sends the user's waiting entries in order; stops at the first one the network lost. */
  flush: (userId: string, hooks: FlushHooks): Promise<void> => {
    flushRequests += 1;
    // One pass at a time; a call during a pass gets one more pass after it.
    if (flushing) return flushing;
    flushing = (async () => {
      try {
        let seen: number;
        do {
          seen = flushRequests;
          await flushOnce(userId, hooks);
        } while (seen !== flushRequests);
      } finally {
        flushing = null;
      }
    })();
    return flushing;
  },
  /** Forget the memory copy (tests; a different IndexedDB). */
  reset: (): void => {
    loaded = null;
    flushing = null;
    flushRequests = 0;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    publish([]);
  },
};

type Outcome = "sent" | "refused" | "offline" | "later";

async function flushOnce(userId: string, hooks: FlushHooks): Promise<void> {
  await outbox.load();
  if (!navigator.onLine) return;
  // A later action on a request waits behind a refused one: it was meant to follow it.
  const held = new Set<string>();
  for (const entry of entries.filter((item) => item.userId === userId)) {
    if (entry.refusal || held.has(entry.requestId)) {
      held.add(entry.requestId);
      continue;
    }
    const outcome = await deliver(entry, hooks);
    if (outcome === "refused") held.add(entry.requestId);
    if (outcome === "offline") return;
    if (outcome === "later") {
      retryTimer ??= setTimeout(() => {
        retryTimer = null;
        void outbox.flush(userId, hooks);
      }, RETRY_AFTER_MS);
      return;
    }
  }
}

async function deliver(entry: OutboxEntry, hooks: FlushHooks): Promise<Outcome> {
  try {
    for (const photo of entry.photos) {
      if (photo.uploaded) continue;
      await uploadPhoto(entry.requestId, photo);
      await change((current) =>
        current.map((item) =>
          item.key === entry.key
            ? { ...item, photos: item.photos.map((p) => (p.key === photo.key ? withoutPhotoData(p) : p)) }
            : item,
        ),
      );
    }
    const view = await sendAction(entry.requestId, entry.call, entry.key);
    await outbox.dismiss(entry.key);
    hooks.sent(view);
    return "sent";
  } catch (error) {
    const outcome = classify(error);
    if (outcome === "refused" && error instanceof ApiError) {
      const refusal = { status: error.status, problem: error.problem };
      await change((current) => current.map((item) => (item.key === entry.key ? { ...item, refusal } : item)));
      hooks.refused(entry.requestId);
    }
    return outcome;
  }
}

function classify(error: unknown): Exclude<Outcome, "sent"> {
  // fetch rejects with a TypeError when no answer came at all.
  if (error instanceof TypeError) return "offline";
  if (error instanceof ApiError) {
    // No session (the sign-in dialog is up), a busy or failing server: the action is still
    // wanted, so it waits; anything else is the API's considered answer.
    const transient = error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500;
    return transient ? "later" : "refused";
  }
  return "later";
}
