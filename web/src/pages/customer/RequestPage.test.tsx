import { fakeApi, problem } from "./testing/fakeApi";

import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";

import { seriousViolations } from "./testing/axe";
import { renderCustomer } from "./testing/renderCustomer";
import { sampleRequest, sampleTransition } from "./testing/samples";

process.env.TZ = "Europe/Moscow";

const completed = sampleRequest({
  state: "completed",
  assignee_id: "u-ivan",
  report: "Заменил картридж",
  sla_stage: "auto_confirm",
  actions: ["confirm", "dispute", "assign"],
});

beforeEach(() => {
  fakeApi.reset();
  fakeApi.on("GET", "/requests/r-1/history", {
    body: [
      sampleTransition(),
      sampleTransition({ seq: 2, action: "assign", from_state: "new", to_state: "assigned", actor_role: "manager", occurred_at: "2026-12-01T09:00:00Z" }),
      sampleTransition({ seq: 3, action: "complete", from_state: "in_progress", to_state: "completed", actor_role: "executor", data: { report: "Заменил картридж" } }),
    ],
  });
  fakeApi.on("GET", "/requests/r-1/attachments", { body: [] });
  fakeApi.on("GET", "/requests/r-1/documents", { body: [] });
  fakeApi.on("GET", "/requests/r-1/ratings", { body: [] });
});

async function openRequest(request = completed) {
  fakeApi.on("GET", "/requests/r-1", { body: request });
  const rendered = renderCustomer("/requests/r-1");
  await screen.findByRole("heading", { level: 1, name: "Заявка: Сантехника" });
  return rendered;
}

function actionsArea() {
  return within(screen.getByRole("region", { name: "Действия" }));
}

test("the request's details and timeline are shown, with exactly the customer's allowed actions", async () => {
  await openRequest();

  expect(screen.getByText("Течёт смеситель на кухне")).toBeInTheDocument();
  expect(screen.getByText(/2\s?500,00\s₽/)).toBeInTheDocument();
  const buttons = actionsArea().getAllByRole("button").map((b) => b.textContent);
  expect(buttons).toEqual(["Подтвердить", "Оспорить"]);
  const timeline = within(await screen.findByRole("region", { name: "История" }));
  expect(timeline.getByText("Назначен исполнитель")).toBeInTheDocument();
  expect(timeline.getByText(/Менеджер/)).toBeInTheDocument();
  expect(timeline.getByText("Отчёт: Заменил картридж")).toBeInTheDocument();
  expect(await seriousViolations()).toEqual([]);
});

test("nothing to do: no action buttons, and a word saying so", async () => {
  await openRequest(sampleRequest({ state: "closed", actions: [] }));

  expect(actionsArea().queryAllByRole("button")).toHaveLength(0);
  expect(actionsArea().getByText("Сейчас от вас ничего не требуется.")).toBeInTheDocument();
});

test("confirm is sent with an Idempotency-Key and the page shows the answer", async () => {
  fakeApi.on("POST", "/requests/r-1/confirm", { body: { ...completed, state: "confirmed", actions: [] } });
  const { user } = await openRequest();

  await user.click(actionsArea().getByRole("button", { name: "Подтвердить" }));

  await waitFor(() => { expect(screen.getAllByText("Подтверждена").length).toBeGreaterThan(0); });
  const [call] = fakeApi.calls("POST", "/requests/r-1/confirm");
  expect(call?.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
  expect(await screen.findByText("Готово: Подтвердить")).toBeInTheDocument();
  expect(actionsArea().queryByRole("button", { name: "Подтвердить" })).not.toBeInTheDocument();
});

test("a 409 refusal is told to the user once, by the actions, and the request is read again", async () => {
  fakeApi.on("POST", "/requests/r-1/confirm", problem(409, "the request is confirmed already"));
  const { user } = await openRequest();
  fakeApi.on("GET", "/requests/r-1", { body: { ...completed, state: "confirmed", actions: [] } });

  await user.click(actionsArea().getByRole("button", { name: "Подтвердить" }));

  const alert = await actionsArea().findByRole("alert");
  expect(alert).toHaveTextContent("Действие невозможно в текущем состоянии.");
  expect(alert).toHaveTextContent("the request is confirmed already");
  await waitFor(() => { expect(actionsArea().queryByRole("button", { name: "Подтвердить" })).not.toBeInTheDocument(); });
  // Not a second time in a snackbar.
  expect(screen.getAllByRole("alert")).toEqual([alert]);
});

test("a dispute needs a reason, and sends it", async () => {
  fakeApi.on("POST", "/requests/r-1/dispute", { body: { ...completed, state: "disputed", actions: [] } });
  const { user } = await openRequest();

  await user.click(actionsArea().getByRole("button", { name: "Оспорить" }));
  const dialog = within(await screen.findByRole("dialog", { name: "Оспорить выполнение" }));
  await user.click(dialog.getByRole("button", { name: "Оспорить" }));
  expect(dialog.getByText("Укажите причину.")).toBeInTheDocument();
  expect(await seriousViolations()).toEqual([]);
  expect(fakeApi.calls("POST", "/requests/r-1/dispute")).toHaveLength(0);
  await user.click(dialog.getByRole("textbox", { name: /Причина/ }));
  await user.paste("Кран всё ещё течёт");
  await user.click(dialog.getByRole("button", { name: "Оспорить" }));

  await waitFor(() => { expect(fakeApi.calls("POST", "/requests/r-1/dispute")).toHaveLength(1); });
  expect(fakeApi.calls("POST", "/requests/r-1/dispute")[0]?.body).toEqual({ reason: "Кран всё ещё течёт" });
  await waitFor(() => { expect(screen.queryByRole("dialog")).not.toBeInTheDocument(); });
});

test("a cancel may go without a reason", async () => {
  fakeApi.on("POST", "/requests/r-1/cancel", { body: sampleRequest({ state: "cancelled", actions: [] }) });
  const { user } = await openRequest(sampleRequest());

  await user.click(actionsArea().getByRole("button", { name: "Отменить" }));
  const dialog = within(await screen.findByRole("dialog", { name: "Отменить заявку" }));
  await user.click(dialog.getByRole("button", { name: "Отменить" }));

  await waitFor(() => { expect(fakeApi.calls("POST", "/requests/r-1/cancel")).toHaveLength(1); });
  expect(fakeApi.calls("POST", "/requests/r-1/cancel")[0]?.body).toBeNull();
});

test("a live update of [request, id] shows at once", async () => {
  const { queryClient } = await openRequest(sampleRequest({ state: "new", actions: ["cancel"] }));

  act(() => {
    queryClient.setQueryData(["request", "r-1"], sampleRequest({ state: "assigned", actions: [] }));
  });

  expect(await screen.findByText("Назначена")).toBeInTheDocument();
  expect(actionsArea().queryByRole("button", { name: "Отменить" })).not.toBeInTheDocument();
});

test("photos are shown from blobs whose URLs are revoked when the page goes; documents download", async () => {
  let made = 0;
  const createObjectURL = vi.fn(() => `blob:object-${++made}`);
  const revokeObjectURL = vi.fn();
  // jsdom has neither; they stay for this file (a download revokes its URL 10 s later).
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
  fakeApi.on("GET", "/requests/r-1/attachments", {
    body: [{ id: "a-1", kind: "photo", caption: "", content_type: "image/jpeg", size: 10, sha256: "x", uploaded_by: "u-ivan", created_at: "2026-12-01T10:00:00Z" }],
  });
  fakeApi.on("GET", "/requests/r-1/attachments/a-1", { body: new Blob(["jpeg"], { type: "image/jpeg" }) });
  fakeApi.on("GET", "/requests/r-1/documents", {
    body: [{ id: "d-1", kind: "act", number: "А-17", file_name: "act-17.pdf", size: 20480, sha256: "y", version: 1, created_at: "2026-12-01T11:00:00Z", download_url: "/requests/r-1/documents/d-1" }],
  });
  fakeApi.on("GET", "/requests/r-1/documents/d-1", { body: new Blob(["%PDF"], { type: "application/pdf" }) });
  const { user, unmount } = await openRequest();

  const photo = await screen.findByRole("img", { name: "Фото 1" });
  const src = photo.getAttribute("src");
  expect(src).toMatch(/^blob:object-/);
  expect(screen.getByText(/^№ А-17 от/)).toBeInTheDocument();
  expect(await seriousViolations()).toEqual([]);
  await user.click(screen.getByRole("button", { name: "Скачать act-17.pdf" }));
  await waitFor(() => { expect(click).toHaveBeenCalled(); });
  expect(fakeApi.calls("GET", "/requests/r-1/documents/d-1")).toHaveLength(1);

  expect(revokeObjectURL).not.toHaveBeenCalledWith(src);
  unmount();
  expect(revokeObjectURL).toHaveBeenCalledWith(src);
  click.mockRestore();
});

test("the customer rates a closed request, may change it for a while, then sees it read-only", async () => {
  const rated = (editableUntil: string) => ({
    request_id: "r-1",
    rater_id: "u-anna",
    ratee_id: "u-ivan",
    rater_role: "customer",
    score: 4,
    comment: "Быстро и аккуратно",
    created_at: "2026-12-01T12:00:00Z",
    updated_at: "2026-12-01T12:00:00Z",
    editable_until: editableUntil,
  });
  // Changeable for a second more: the block locks by itself when that time comes.
  fakeApi.on("PUT", "/requests/r-1/rating", () => ({ status: 201, body: rated(new Date(Date.now() + 1000).toISOString()) }));
  const { user } = await openRequest(sampleRequest({ state: "closed", assignee_id: "u-ivan", actions: [] }));
  const block = within(await screen.findByRole("region", { name: "Оцените работу" }));
  const send = await block.findByRole("button", { name: "Отправить оценку" });
  expect(send).toBeDisabled();
  expect(await seriousViolations()).toEqual([]);

  // A click without the pointer's travel: jsdom lays nothing out, so MUI's hover would read NaN.
  fireEvent.click(block.getByRole("radio", { name: "4 звезды" }));
  await user.click(block.getByRole("textbox", { name: "Комментарий (необязательно)" }));
  await user.paste("Быстро и аккуратно");
  await user.click(send);

  await waitFor(() => { expect(fakeApi.calls("PUT", "/requests/r-1/rating")).toHaveLength(1); });
  expect(fakeApi.calls("PUT", "/requests/r-1/rating")[0]?.body).toEqual({ score: 4, comment: "Быстро и аккуратно" });
  expect(await screen.findByText("Спасибо! Оценка сохранена.")).toBeInTheDocument();
  expect(await block.findByRole("button", { name: "Изменить оценку" })).toBeInTheDocument();

  expect(await block.findByText("Срок изменения оценки истёк.", {}, { timeout: 5000 })).toBeInTheDocument();
  expect(block.getByRole("img", { name: "Оценка: 4 из 5" })).toBeInTheDocument();
  expect(block.getByText("Быстро и аккуратно")).toBeInTheDocument();
  expect(block.queryByRole("button")).not.toBeInTheDocument();
  expect(block.queryByRole("textbox")).not.toBeInTheDocument();
});
