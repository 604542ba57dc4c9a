// One authenticated event stream per tab. fetch-event-source (not EventSource) so the
// access token goes in a header, never in a URL; after a drop it reconnects with
// Last-Event-ID and the server replays what was missed, or says "reset" when it cannot.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { session } from "../auth/session";
import { liveEvents, type LiveRequestEvent } from "./liveEvents";

export type LiveStatus = "connecting" | "connected";

class RetryableError extends Error {}

export function useLiveUpdates(enabled: boolean): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    void fetchEventSource("/events/stream", {
      signal: controller.signal,
      openWhenHidden: true,
      async fetch(input, init) {
        const headers = new Headers(init?.headers);
        let token = session.accessToken();
        let response = await fetch(input, { ...init, headers: withToken(headers, token) });
        if (response.status === 401) {
          token = await session.refresh();
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
        throw new RetryableError(`stream answered ${response.status}`);
      },
      onmessage(message) {
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
        liveEvents.emit(event);
      },
      onerror() {
        setStatus("connecting");
        return 1000; // retry after a second, with Last-Event-ID
      },
    });
    return () => {
      controller.abort();
    };
  }, [enabled, queryClient]);

  return status;
}

function withToken(headers: Headers, token: string | null): Headers {
  const copy = new Headers(headers);
  if (token) copy.set("Authorization", `Bearer ${token}`);
  return copy;
}
