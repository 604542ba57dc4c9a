import "../test/pageRequest";

import { afterEach, describe, expect, it, vi } from "vitest";

import { session } from "../auth/session";
import { sendAction } from "../requests/useRequestAction";

interface Sent {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
  body: string;
}

// openapi-fetch keeps the fetch it finds when the client is made: the stand-in comes first.
const { sent, answers } = vi.hoisted(() => {
  const sent: Sent[] = [];
  const answers: Record<string, Response[]> = {};
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    sent.push({
      method: request.method,
      path,
      authorization: request.headers.get("Authorization"),
      idempotencyKey: request.headers.get("Idempotency-Key"),
      body: await request.text(),
    });
    return answers[`${request.method} ${path}`]?.shift() ?? new Response(null, { status: 599 });
  };
  return { sent, answers };
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  sent.length = 0;
  for (const key of Object.keys(answers)) Reflect.deleteProperty(answers, key);
  session.clear();
});

describe("the API client after the access token ran out", () => {
  it("repeats a write with its body and key once the session is renewed", async () => {
    session.accept({ access_token: "old", expires_in: 900 });
    const view = { id: "r-1", state: "cancelled" };
    answers["POST /requests/r-1/cancel"] = [json({ status: 401, title: "expired" }, 401), json(view)];
    answers["POST /auth/session/refresh"] = [json({ access_token: "new", expires_in: 900 })];

    const answer = await sendAction("r-1", { action: "cancel", reason: "передумал" }, "key-1");

    expect(answer).toEqual(view);
    const writes = sent.filter((call) => call.path === "/requests/r-1/cancel");
    expect(writes).toHaveLength(2);
    expect(writes.map((call) => call.authorization)).toEqual(["Bearer old", "Bearer new"]);
    expect(writes[1]?.idempotencyKey).toBe("key-1");
    expect(writes[1]?.idempotencyKey).toBe(writes[0]?.idempotencyKey);
    expect(JSON.parse(writes[1]?.body ?? "")).toEqual({ reason: "передумал" });
    expect(sent.filter((call) => call.path === "/auth/session/refresh")).toHaveLength(1);
  });

  it("gives the 401 back and marks the session expired when it cannot be renewed", async () => {
    session.accept({ access_token: "old", expires_in: 900 });
    answers["POST /requests/r-1/start"] = [json({ status: 401, title: "expired" }, 401)];
    answers["POST /auth/session/refresh"] = [json({ status: 401, title: "no session" }, 401)];

    await expect(sendAction("r-1", { action: "start" }, "key-2")).rejects.toMatchObject({ status: 401 });
    expect(session.isExpired()).toBe(true);
    expect(sent.filter((call) => call.path === "/requests/r-1/start")).toHaveLength(1);
  });
});
