import "../test/pageRequest";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { User } from "../auth/AuthProvider";
import { session } from "../auth/session";
import "../i18n";
import { AppShell } from "../layout/AppShell";
import { ColorModeProvider } from "../theme/ColorMode";

const auth = vi.hoisted(() => ({ user: null as User | null }));
vi.mock("../auth/AuthProvider", () => ({
  useAuth: () => ({ status: auth.user ? "signed-in" : "anonymous", user: auth.user, expired: false, signOut: vi.fn(), setUser: vi.fn() }),
}));

interface Opened {
  authorization: string | null;
  lastEventId: string | null;
  signal: AbortSignal | null | undefined;
}

let streams: Opened[] = [];
let streamStatus = 200;
let refreshStatus = 200;
/** The streams (by number, from 1) the server ends after their event (a restart, an expired token). */
let endingStreams = new Set<number>();

function eventStream(text: string, ends: boolean): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      if (ends) controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return Promise.resolve(answer(input, init));
}

function answer(input: RequestInfo | URL, init?: RequestInit): Response {
  const path = typeof input === "string" ? input : input instanceof URL ? input.pathname : new URL(input.url).pathname;
  if (path === "/auth/session/refresh") {
    return refreshStatus === 200 ? Response.json({ access_token: "renewed", expires_in: 900 }) : new Response(null, { status: refreshStatus });
  }
  if (path === "/events/stream") {
    const headers = new Headers(init?.headers);
    streams.push({ authorization: headers.get("Authorization"), lastEventId: headers.get("Last-Event-ID"), signal: init?.signal });
    if (streamStatus !== 200) return new Response(null, { status: streamStatus });
    return eventStream(`id: ${streams.length}7\nevent: hello\ndata: {}\n\n`, endingStreams.has(streams.length));
  }
  return new Response(null, { status: 404 });
}

function person(id: string): User {
  return { id, email: `${id}@example.com`, full_name: id, role: "manager", locale: "ru", is_active: true, notification_channels: [], created_at: "2026-01-01T00:00:00Z" };
}

const queryClient = new QueryClient();

function Shell() {
  return (
    <QueryClientProvider client={queryClient}>
      <ColorModeProvider>
        <MemoryRouter>
          <AppShell />
        </MemoryRouter>
      </ColorModeProvider>
    </QueryClientProvider>
  );
}

function showShell(user: User | null) {
  auth.user = user;
  const view = render(<Shell />);
  return {
    as(next: User | null) {
      auth.user = next;
      view.rerender(<Shell />);
    },
  };
}

const liveStatus = () => screen.getByRole("status").getAttribute("data-live");

beforeEach(() => {
  streams = [];
  streamStatus = 200;
  refreshStatus = 200;
  endingStreams = new Set();
  vi.stubGlobal("fetch", vi.fn(fakeFetch));
  session.accept({ access_token: "first", expires_in: 900 });
});

afterEach(() => {
  vi.unstubAllGlobals();
  session.clear();
});

describe("the live stream", () => {
  it("reconnects where it was when the server ends the stream", async () => {
    endingStreams = new Set([1]);
    showShell(person("u1"));
    await waitFor(
      () => {
        expect(streams).toHaveLength(2);
      },
      { timeout: 4000 },
    );
    expect(streams[1]?.lastEventId).toBe("17");
  });

  it("starts afresh for another user signing in, without the last user's place in the stream", async () => {
    const shell = showShell(person("anna"));
    await waitFor(() => { expect(liveStatus()).toBe("connected"); });
    expect(streams).toHaveLength(1);

    shell.as(person("boris"));

    await waitFor(() => { expect(streams).toHaveLength(2); });
    expect(streams[0]?.signal?.aborted).toBe(true);
    expect(streams[1]?.lastEventId).toBeNull();
  });

  it("ends on sign-out and opens no other", async () => {
    const shell = showShell(person("anna"));
    await waitFor(() => { expect(liveStatus()).toBe("connected"); });

    shell.as(null);

    await waitFor(() => { expect(streams[0]?.signal?.aborted).toBe(true); });
    await new Promise((done) => setTimeout(done, 1200));
    expect(streams).toHaveLength(1);
  });

  it("stops when the session runs out and resumes where it was after signing in again", async () => {
    showShell(person("anna"));
    await waitFor(() => { expect(liveStatus()).toBe("connected"); });

    streamStatus = 401;
    refreshStatus = 401;
    act(() => { session.expire(); });
    await waitFor(() => { expect(streams[0]?.signal?.aborted).toBe(true); });
    await new Promise((done) => setTimeout(done, 1200));
    expect(streams).toHaveLength(1);

    streamStatus = 200;
    act(() => { session.accept({ access_token: "second", expires_in: 900 }); });

    await waitFor(() => { expect(streams).toHaveLength(2); });
    expect(streams[1]?.authorization).toBe("Bearer second");
    expect(streams[1]?.lastEventId).toBe("17");
  });

  it("resumes from the latest event alone after a resumed stream ends", async () => {
    showShell(person("anna"));
    await waitFor(() => { expect(liveStatus()).toBe("connected"); });
    streamStatus = 401;
    refreshStatus = 401;
    act(() => { session.expire(); });
    await waitFor(() => { expect(streams[0]?.signal?.aborted).toBe(true); });

    streamStatus = 200;
    endingStreams = new Set([2]);
    act(() => { session.accept({ access_token: "second", expires_in: 900 }); });

    await waitFor(() => { expect(streams).toHaveLength(3); }, { timeout: 4000 });
    expect(streams[1]?.lastEventId).toBe("17");
    expect(streams[2]?.lastEventId).toBe("27");
  });

  it("does not keep reconnecting once the token is refused and cannot be renewed", async () => {
    streamStatus = 401;
    refreshStatus = 401;
    showShell(person("anna"));

    await waitFor(() => { expect(session.isExpired()).toBe(true); });
    await new Promise((done) => setTimeout(done, 1500));
    expect(streams).toHaveLength(1);
  });
});
