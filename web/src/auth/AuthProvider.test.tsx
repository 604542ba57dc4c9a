import "../test/pageRequest";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Notices } from "../feedback/Notices";
import i18n from "../i18n";
import { AuthProvider, useAuth } from "./AuthProvider";
import { session } from "./session";

// The API client keeps the fetch it finds when it is made: the stand-in comes first.
const api = vi.hoisted(() => {
  const state = { signOut: (): Response | Promise<Response> => new Response(null, { status: 204 }) };
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    if (path === "/auth/session/refresh") return Promise.resolve(Response.json({ access_token: "t1", expires_in: 900 }));
    if (path === "/auth/me") {
      return Promise.resolve(
        Response.json({ id: "u-1", email: "a@example.com", full_name: "Анна", role: "customer", locale: "ru", is_active: true, notification_channels: [], created_at: "2026-01-01T00:00:00Z" }),
      );
    }
    if (path === "/auth/session" && request.method === "DELETE") return Promise.resolve(state.signOut());
    return Promise.resolve(new Response(null, { status: 404 }));
  };
  return state;
});

function Who() {
  const { status, user, signOut } = useAuth();
  return (
    <>
      <output data-testid="status">{status}</output>
      {user && <button onClick={() => void signOut()}>{user.full_name}: выйти</button>}
    </>
  );
}

function renderAuth() {
  void i18n.changeLanguage("ru");
  render(
    <QueryClientProvider client={new QueryClient()}>
      <AuthProvider>
        <Who />
      </AuthProvider>
      <Notices />
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null });
}

afterEach(() => {
  session.clear();
});

describe("signing out", () => {
  it("says so when the server could not end the session, and forgets it in this tab anyway", async () => {
    api.signOut = () => Response.json({ type: "about:blank", title: "down", status: 503, detail: "хранилище недоступно" }, { status: 503 });
    const user = renderAuth();

    await user.click(await screen.findByRole("button", { name: "Анна: выйти" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("хранилище недоступно");
    expect(screen.getByTestId("status")).toHaveTextContent("anonymous");
    expect(session.accessToken()).toBeNull();
  });

  it("tells of a network failure too", async () => {
    api.signOut = () => Promise.reject(new TypeError("Failed to fetch"));
    const user = renderAuth();

    await user.click(await screen.findByRole("button", { name: "Анна: выйти" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(i18n.t("problem.network"));
    await waitFor(() => { expect(screen.getByTestId("status")).toHaveTextContent("anonymous"); });
  });

  it("signs out quietly when the server agrees", async () => {
    api.signOut = () => new Response(null, { status: 204 });
    const user = renderAuth();

    await user.click(await screen.findByRole("button", { name: "Анна: выйти" }));

    await waitFor(() => { expect(screen.getByTestId("status")).toHaveTextContent("anonymous"); });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
