import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { clear, get, set } from "idb-keyval";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { STORE_KEY, outbox, type OutboxEntry } from "./outbox";
import { FakeApi, json, networkDown } from "./testing/fakeApi";
import { EXECUTOR_ID, job, renderJobs } from "./testing/render";

const net = await vi.hoisted(async () => (await import("./testing/network")).installNetwork());

vi.mock("idb-keyval", () => import("./testing/memoryIdb"));
vi.mock("../../auth/AuthProvider", () => ({
  useUser: () => ({ id: "e0000000-0000-4000-8000-000000000001", role: "executor", locale: "ru" }),
}));

// The machine running the suite is shared; MUI's first renders can be slow there.
vi.setConfig({ testTimeout: 20_000 });

const api = new FakeApi();

/** Puts the text in at once: typing it key by key adds nothing these tests look at. */
async function typeInto(field: HTMLElement, text: string): Promise<void> {
  await userEvent.click(field);
  await userEvent.paste(text);
}
let online = true;

function stored(): Promise<OutboxEntry[] | undefined> {
  return get<OutboxEntry[]>(STORE_KEY);
}

function goOnline(): void {
  online = true;
  act(() => {
    window.dispatchEvent(new Event("online"));
  });
}

beforeEach(async () => {
  api.reset();
  net.fetch = api.fetch;
  online = true;
  Object.defineProperty(navigator, "onLine", { configurable: true, get: () => online });
  await clear();
  outbox.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the jobs list", () => {
  const offer = job({ id: "r1", category: "Электрика", state: "assigned", actions: ["accept", "decline"] });
  const working = job({ id: "r2", category: "Сантехника", state: "in_progress", actions: ["complete"] });
  const finished = job({ id: "r3", category: "Уборка", state: "confirmed", actions: [] });

  beforeEach(() => {
    api.on("GET /requests", (call) =>
      json({ items: call.search.includes("state=confirmed") ? [finished] : [offer, working], next_cursor: null }),
    );
  });

  it("shows each job with exactly the actions the API allows, work under way first", async () => {
    renderJobs();
    await screen.findByText("Уборка");
    const cards = screen.getAllByTestId("job-card");
    expect(cards.map((card) => within(card).getByRole("heading").textContent)).toEqual(["Сантехника", "Электрика", "Уборка"]);

    const [first, second, third] = cards as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(first).getByRole("button", { name: "Завершить" })).toBeInTheDocument();
    expect(within(first).queryByRole("button", { name: "Принять" })).not.toBeInTheDocument();
    expect(within(second).getByRole("button", { name: "Принять" })).toBeInTheDocument();
    expect(within(second).getByRole("button", { name: "Отказаться" })).toBeInTheDocument();
    expect(within(second).queryByRole("button", { name: "Начать" })).not.toBeInTheDocument();
    expect(within(second).queryByRole("button", { name: "Завершить" })).not.toBeInTheDocument();
    expect(within(third).queryAllByRole("button", { name: /Принять|Начать|Завершить|Отказаться/ })).toHaveLength(0);
    expect(within(third).getByText("Сейчас действий нет.")).toBeInTheDocument();
    expect(within(second).getByRole("link", { name: /Открыть адрес на карте/ })).toHaveAttribute(
      "href",
      `https://yandex.ru/maps/?text=${encodeURIComponent(offer.address)}`,
    );
  });

  it("has no serious accessibility problems", async () => {
    const { container } = renderJobs();
    await screen.findByText("Уборка");
    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  it("sends a declined job's reason", async () => {
    api.on("POST /requests/r1/decline", () => json({ ...offer, state: "new", actions: [] }));
    renderJobs();
    const card = (await screen.findAllByTestId("job-card"))[1] as HTMLElement;
    await userEvent.click(within(card).getByRole("button", { name: "Отказаться" }));
    const dialog = await screen.findByRole("dialog", { name: "Отказаться от работы?" });
    await typeInto(within(dialog).getByLabelText("Причина (необязательно)"), "Нет инструмента");
    await userEvent.click(within(dialog).getByRole("button", { name: "Отказаться" }));
    await waitFor(() => {
      expect(api.sent("POST /requests/r1/decline")).toHaveLength(1);
    });
    expect(api.sent("POST /requests/r1/decline")[0]?.body).toEqual({ reason: "Нет инструмента" });
  });
});

describe("completing a job", () => {
  const working = job({ id: "r2", state: "in_progress", actions: ["complete"] });

  beforeEach(() => {
    api.on("GET /requests/r2", () => json(working));
  });

  it("requires a report and sends the photos before the complete call", async () => {
    api.on("POST /requests/r2/attachments", () =>
      json({ id: "a1", caption: "", content_type: "image/jpeg", created_at: "", kind: "photo", sha256: "", size: 3, uploaded_by: EXECUTOR_ID }, 201),
    );
    api.on("POST /requests/r2/complete", () => json({ ...working, state: "completed", actions: [], report: "Заменил кран" }));
    renderJobs("/jobs/r2");

    await userEvent.click(await screen.findByRole("button", { name: "Завершить" }));
    const dialog = await screen.findByRole("dialog", { name: "Завершить работу" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Завершить" }));
    expect(within(dialog).getByText("Напишите отчёт: без него работу не завершить.")).toBeInTheDocument();
    expect(within(dialog).getByRole("textbox", { name: /Отчёт о выполненной работе/ })).toHaveAttribute("aria-invalid", "true");
    expect(api.calls.filter((call) => call.method === "POST")).toHaveLength(0);

    await typeInto(within(dialog).getByRole("textbox", { name: /Отчёт о выполненной работе/ }), "Заменил кран");
    const photo = new File([new Uint8Array([1, 2, 3])], "kran.jpg", { type: "image/jpeg" });
    await userEvent.upload(within(dialog).getByTestId("photo-input"), photo);
    expect(await within(dialog).findByText("kran.jpg")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Завершить" }));

    expect(await screen.findByText("Заменил кран")).toBeInTheDocument();
    const posts = api.calls.filter((call) => call.method === "POST");
    expect(posts.map((call) => call.path)).toEqual(["/requests/r2/attachments", "/requests/r2/complete"]);
    expect(posts[0]?.body).toEqual({ content_type: "image/jpeg", content_base64: "AQID", caption: "" });
    expect(posts[1]?.body).toEqual({ report: "Заменил кран" });
    expect(posts[1]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stored()).toEqual([]);
  });

  it("refuses a photo that is not an image the API takes", async () => {
    renderJobs("/jobs/r2");
    await userEvent.click(await screen.findByRole("button", { name: "Завершить" }));
    const dialog = await screen.findByRole("dialog");
    const heic = new File([new Uint8Array([1])], "IMG_1.heic", { type: "image/heic" });
    await userEvent.upload(within(dialog).getByTestId("photo-input"), heic, { applyAccept: false });
    expect(await within(dialog).findByText("Файл IMG_1.heic не подходит: нужны JPEG, PNG или WebP.")).toBeInTheDocument();
    expect(within(dialog).getByText("Фото не добавлены")).toBeInTheDocument();
  });
});

describe("the outbox", () => {
  const offer = job({ id: "r1", state: "assigned", actions: ["accept", "decline"] });
  const accepted = { ...offer, state: "accepted" as const, actions: ["start"] };

  beforeEach(() => {
    api.on("GET /requests/r1", () => json(offer));
  });

  it("keeps an action pressed offline in IndexedDB and sends it with the same key when back online", async () => {
    online = false;
    api.on("POST /requests/r1/accept", () => json(accepted));
    renderJobs("/jobs/r1");

    await userEvent.click(await screen.findByRole("button", { name: "Принять" }));
    expect(await screen.findByText("Ожидает отправки: Принять")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Принять" })).not.toBeInTheDocument();
    expect(screen.getByText(/Нет связи/)).toBeInTheDocument();
    const queued = await stored();
    expect(queued).toHaveLength(1);
    expect(queued?.[0]).toMatchObject({ requestId: "r1", userId: EXECUTOR_ID, call: { action: "accept" } });
    expect(api.sent("POST /requests/r1/accept")).toHaveLength(0);

    goOnline();
    await waitFor(() => {
      expect(api.sent("POST /requests/r1/accept")).toHaveLength(1);
    });
    expect(api.sent("POST /requests/r1/accept")[0]?.idempotencyKey).toBe(queued?.[0]?.key);
    expect(await screen.findByRole("button", { name: "Начать" })).toBeInTheDocument();
    expect(screen.queryByText("Ожидает отправки: Принять")).not.toBeInTheDocument();
    expect(await stored()).toEqual([]);
  });

  it("keeps an action whose call got no answer and resends it under the same key", async () => {
    let answer: () => Response = networkDown;
    api.on("POST /requests/r1/accept", () => answer());
    renderJobs("/jobs/r1");

    await userEvent.click(await screen.findByRole("button", { name: "Принять" }));
    expect(await screen.findByText("Ожидает отправки: Принять")).toBeInTheDocument();
    expect(await stored()).toHaveLength(1);

    answer = () => json(accepted);
    goOnline();
    expect(await screen.findByRole("button", { name: "Начать" })).toBeInTheDocument();
    const [first, second] = api.sent("POST /requests/r1/accept");
    expect(first?.idempotencyKey).toBeTruthy();
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
  });

  it("sends what waited since last time when the app opens", async () => {
    await set(STORE_KEY, [
      { key: "k-1", userId: EXECUTOR_ID, requestId: "r1", call: { action: "accept" }, photos: [], createdAt: "2026-12-03T10:00:00Z" },
      { key: "k-other", userId: "someone-else", requestId: "r9", call: { action: "start" }, photos: [], createdAt: "2026-12-03T10:00:00Z" },
    ]);
    api.on("POST /requests/r1/accept", () => json(accepted));
    renderJobs("/jobs/r1");

    await waitFor(() => {
      expect(api.sent("POST /requests/r1/accept")).toHaveLength(1);
    });
    expect(api.sent("POST /requests/r1/accept")[0]?.idempotencyKey).toBe("k-1");
    // Another account's actions on this phone are not sent under this one.
    expect(api.sent("POST /requests/r9/start")).toHaveLength(0);
    await waitFor(async () => {
      expect((await stored())?.map((entry) => entry.key)).toEqual(["k-other"]);
    });
  });

  it("shows a refusal on replay with the API's problem and keeps it until read", async () => {
    online = false;
    api.on("POST /requests/r1/accept", () =>
      json({ title: "Conflict", status: 409, detail: "Заявку уже передали другому исполнителю" }, 409),
    );
    renderJobs("/jobs/r1");
    await userEvent.click(await screen.findByRole("button", { name: "Принять" }));
    await screen.findByText("Ожидает отправки: Принять");

    goOnline();
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Не отправлено: «Принять». Сервер отказал.");
    expect(alert).toHaveTextContent("Заявку уже передали другому исполнителю");
    expect((await stored())?.[0]?.refusal?.status).toBe(409);

    await userEvent.click(screen.getByRole("button", { name: "Понятно" }));
    await waitFor(async () => {
      expect(await stored()).toEqual([]);
    });
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("keeps waiting, without calling it a refusal, while the server is down", async () => {
    api.on("POST /requests/r1/accept", () => json({ title: "Service Unavailable", status: 503 }, 503));
    renderJobs("/jobs/r1");
    await userEvent.click(await screen.findByRole("button", { name: "Принять" }));

    await waitFor(() => {
      expect(api.sent("POST /requests/r1/accept")).toHaveLength(1);
    });
    expect(await screen.findByText("Ожидает отправки: Принять")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    const queued = await stored();
    expect(queued).toHaveLength(1);
    expect(queued?.[0]?.refusal).toBeUndefined();
  });

  it("queues the photos with a finished job and uploads them when back online", async () => {
    const working = job({ id: "r2", state: "in_progress", actions: ["complete"] });
    api.on("GET /requests/r2", () => json(working));
    api.on("POST /requests/r2/attachments", () =>
      json({ id: "a1", caption: "", content_type: "image/png", created_at: "", kind: "photo", sha256: "", size: 2, uploaded_by: EXECUTOR_ID }, 201),
    );
    api.on("POST /requests/r2/complete", () => json({ ...working, state: "completed", actions: [] }));
    online = false;
    renderJobs("/jobs/r2");

    await userEvent.click(await screen.findByRole("button", { name: "Завершить" }));
    const dialog = await screen.findByRole("dialog");
    await typeInto(within(dialog).getByRole("textbox", { name: /Отчёт/ }), "Готово");
    await userEvent.upload(within(dialog).getByTestId("photo-input"), new File([new Uint8Array([9, 9])], "a.png", { type: "image/png" }));
    await within(dialog).findByText("a.png");
    await userEvent.click(within(dialog).getByRole("button", { name: "Завершить" }));

    await screen.findByText("Ожидает отправки: Завершить");
    expect((await stored())?.[0]?.photos).toMatchObject([{ contentType: "image/png", base64: "CQk=", uploaded: false }]);
    expect(api.calls.filter((call) => call.method === "POST")).toHaveLength(0);

    goOnline();
    await waitFor(() => {
      expect(api.sent("POST /requests/r2/complete")).toHaveLength(1);
    });
    expect(api.sent("POST /requests/r2/attachments")[0]?.body).toEqual({ content_type: "image/png", content_base64: "CQk=", caption: "" });
    expect(api.sent("POST /requests/r2/complete")[0]?.body).toEqual({ report: "Готово" });
  });
});
