// One authenticated event stream per tab. fetch-event-source (not EventSource) so the
// access token goes in a header, never in a URL; after a drop it reconnects with
// Last-Event-ID and the server replays what was missed, or says "reset" when it cannot.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";

import { session } from "../auth/session";
import { liveEvents, type LiveRequestEvent } from "./liveEvents";

export type LiveStatus = "connecting" | "connected";

class RetryableError extends Error {}
/** The session ran out: retrying with a refused token would loop; sign-in starts a new stream. */
class SessionEnded extends Error {}

/** The stream of the signed-in user (`userId`, null when nobody is): another user gets a
 * stream of their own; it ends on sign-out and while the session is expired. */
export function useLiveUpdates(userId: string | null): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const expired = useSyncExternalStore(session.subscribe, session.isExpired);
  // The last event this user saw, so a stream restarted after sign-in replays what was missed.
  const lastEvent = useRef<{ userId: string; id: string } | null>(null);

  useEffect(() => {
    if (!userId || expired) return;
    const controller = new AbortController();
    const resumeFrom = lastEvent.current?.userId === userId ? lastEvent.current.id : null;
    void fetchEventSource("/events/stream", {
      signal: controller.signal,
      openWhenHidden: true,
      // The library keeps the id it saw last under this very (lower-case) name and
      // replaces it on reconnect; another spelling would be sent beside it, both ids.
      headers: resumeFrom ? { "last-event-id": resumeFrom } : {},
      async fetch(input, init) {
        const headers = new Headers(init?.headers);
        let token = session.accessToken();
        let response = await fetch(input, { ...init, headers: withToken(headers, token) });
        if (response.status === 401) {
          token = await session.refresh(token);
          if (!token) {
            session.expire();
            return response;
          }
          response = await fetch(input, { ...init, headers: withToken(headers, token) });
        }
        return response;
      },
      onopen(response) {
        if (response.ok) {
          setStatus("connected");
          return Promise.resolve();
        }
        setStatus("connecting");
        if (response.status === 401) throw new SessionEnded("the session ran out");
        throw new RetryableError(`stream answered ${response.status}`);
      },
      onmessage(message) {
        if (message.id) lastEvent.current = { userId, id: message.id };
        if (message.event === "reset") {
          void queryClient.invalidateQueries();
          return;
        }
        if (message.event === "gone") {
          const gone = JSON.parse(message.data) as { id: string };
          queryClient.removeQueries({ queryKey: ["request", gone.id] });
          void queryClient.invalidateQueries({ queryKey: ["requests"] });
          return;
        }
        if (message.event !== "request") return;
        const event = JSON.parse(message.data) as LiveRequestEvent;
        queryClient.setQueryData(["request", event.request.id], event.request);
        void queryClient.invalidateQueries({ queryKey: ["requests"] });
        void queryClient.invalidateQueries({ queryKey: ["history", event.request.id] });
        // The cascade's moves (an offer sent, declined, run out) change the request too.
        void queryClient.invalidateQueries({ queryKey: ["offers", event.request.id] });
        liveEvents.emit(event);
      },
      onclose() {
        // The server ended the stream (it restarts, or the token it was opened with ran
        // out): without this the library would stop for good; as an error it reconnects
        // with the current token and Last-Event-ID.
        throw new RetryableError("the server ended the stream");
      },
      onerror(error: unknown) {
        setStatus("connecting");
        if (error instanceof SessionEnded) throw error; // ends the stream
        return 1000; // retry after a second, with Last-Event-ID
      },
    }).catch(() => undefined);
    return () => {
      controller.abort();
      setStatus("connecting");
    };
  }, [userId, expired, queryClient]);

  return status;
}

function withToken(headers: Headers, token: string | null): Headers {
  const copy = new Headers(headers);
  if (token) copy.set("Authorization", `Bearer ${token}`);
  return copy;
}
