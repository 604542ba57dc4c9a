// The executor's outbox for the screens: what is waiting, and sending it whenever the
// phone may have signal again (the page opening, the browser's `online` event).
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useSyncExternalStore } from "react";

import { useUser } from "../../auth/AuthProvider";
import { notices } from "../../feedback/notices";
import type { RequestView } from "../../requests/useRequestAction";
import { outbox, type FlushHooks, type JobCall, type OutboxEntry } from "./outbox";
import type { PhotoFile } from "./photos";

export interface Outbox {
  entries: readonly OutboxEntry[];
  /** Queues the action under a key made now, then sends it at once when online. */
  submit: (requestId: string, call: JobCall, photos?: PhotoFile[]) => Promise<void>;
  /** Removes a refused entry once read; what waited behind it is sent next. */
  dismiss: (key: string) => Promise<void>;
  retry: () => void;
}

function report(error: unknown): void {
  notices.error(error);
}

export function useOutbox(): Outbox {
  const user = useUser();
  const queryClient = useQueryClient();
  const all = useSyncExternalStore(outbox.subscribe, outbox.snapshot);
  const entries = useMemo(() => all.filter((entry) => entry.userId === user.id), [all, user.id]);

  const hooks = useMemo<FlushHooks>(
    () => ({
      sent: (view: RequestView) => {
        queryClient.setQueryData(["request", view.id], view);
        void queryClient.invalidateQueries({ queryKey: ["requests"] });
        void queryClient.invalidateQueries({ queryKey: ["history", view.id] });
        void queryClient.invalidateQueries({ queryKey: ["attachments", view.id] });
      },
      refused: (requestId: string) => {
        // The refusal usually means the screen was behind: show the request as it is now.
        void queryClient.invalidateQueries({ queryKey: ["request", requestId] });
        void queryClient.invalidateQueries({ queryKey: ["requests"] });
      },
    }),
    [queryClient],
  );

  const submit = useCallback(
    async (requestId: string, call: JobCall, photos: PhotoFile[] = []) => {
      // A phone without room in IndexedDB (or a private window) cannot keep the action.
      await outbox
        .add({
        key: crypto.randomUUID(),
        userId: user.id,
        requestId,
        call,
        photos: photos.map((photo) => ({ ...photo, key: crypto.randomUUID(), uploaded: false })),
        createdAt: new Date().toISOString(),
      })
        .then(() => outbox.flush(user.id, hooks))
        .catch(report);
    },
    [user.id, hooks],
  );

  const retry = useCallback(() => {
    outbox.flush(user.id, hooks).catch(report);
  }, [user.id, hooks]);

  useEffect(() => {
    // Opening the app is a chance to send what waited since last time.
    retry();
    window.addEventListener("online", retry);
    return () => {
      window.removeEventListener("online", retry);
    };
  }, [retry]);

  const dismiss = useCallback(
    async (key: string) => {
      await outbox.dismiss(key).catch(report);
      retry();
    },
    [retry],
  );

  return useMemo(() => ({ entries, submit, dismiss, retry }), [entries, submit, dismiss, retry]);
}
