import { fakeApi } from "./testing/fakeApi";

import { act, screen, waitFor, within } from "@testing-library/react";

import { seriousViolations } from "./testing/axe";
import { renderCustomer } from "./testing/renderCustomer";
import { sampleRequest } from "./testing/samples";

process.env.TZ = "Europe/Moscow";

beforeEach(() => {
  fakeApi.reset();
});

test("the customer's requests are listed newest first with state, kind, address, time and deadline", async () => {
  fakeApi.on("GET", "/requests", {
    body: {
      items: [
        sampleRequest({ id: "r-2", state: "in_progress", category: "electrics", address: "Ленинский пр., 30", sla_stage: "complete", sla_due_at: "2026-12-02T15:00:00Z", created_at: "2026-12-02T07:30:00Z" }),
        sampleRequest({ id: "r-1", state: "new", sla_breached: true }),
      ],
      next_cursor: null,
    },
  });
  renderCustomer("/requests");

  const rows = within(await screen.findByRole("list", { name: "Мои заявки" })).getAllByRole("listitem");
  expect(rows).toHaveLength(2);
  const [first, second] = rows as [HTMLElement, HTMLElement];
  expect(within(first).getByText("В работе")).toBeInTheDocument();
  expect(within(first).getByText("Электрика")).toBeInTheDocument();
  expect(within(first).getByText("Ленинский пр., 30")).toBeInTheDocument();
  expect(within(first).getByText("Подана 2 дек. 2026 г., 10:30")).toBeInTheDocument();
  expect(within(first).getByText("Работы завершат до 2 дек. 2026 г., 18:00")).toBeInTheDocument();
  expect(within(first).getByRole("link")).toHaveAttribute("href", "/requests/r-2");
  expect(within(second).getByText("Срок нарушен — мы уже разбираемся")).toBeInTheDocument();
  const [call] = fakeApi.calls("GET", "/requests");
  expect(call?.search.get("sort")).toBe("-created_at");
  expect(call?.search.has("cursor")).toBe(false);
  expect(await seriousViolations()).toEqual([]);
});

test("show more asks for the next page by its cursor and appends it", async () => {
  fakeApi.on("GET", "/requests", (call) =>
    call.search.get("cursor") === "c-2"
      ? { body: { items: [sampleRequest({ id: "r-old", address: "Старый адрес, 5" })], next_cursor: null } }
      : { body: { items: [sampleRequest({ id: "r-new", address: "Новый адрес, 7" })], next_cursor: "c-2" } },
  );
  const { user } = renderCustomer("/requests");
  await screen.findByText("Новый адрес, 7");

  await user.click(screen.getByRole("button", { name: "Показать ещё" }));

  expect(await screen.findByText("Старый адрес, 5")).toBeInTheDocument();
  expect(screen.getByText("Новый адрес, 7")).toBeInTheDocument();
  expect(screen.getByText("Показано заявок: 2")).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Показать ещё" })).not.toBeInTheDocument();
});

test("no requests yet: a way to file the first one", async () => {
  fakeApi.on("GET", "/requests", { body: { items: [], next_cursor: null } });
  renderCustomer("/requests");

  expect(await screen.findByText("У вас пока нет заявок.")).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Подать первую заявку" })).toHaveAttribute("href", "/requests/new");
});

test("a request moving elsewhere shows up without a reload (the live stream refreshes [requests])", async () => {
  let state: "new" | "assigned" = "new";
  fakeApi.on("GET", "/requests", () => ({ body: { items: [sampleRequest({ state })], next_cursor: null } }));
  const { queryClient } = renderCustomer("/requests");
  await screen.findByText("Новая");

  state = "assigned";
  await act(() => queryClient.invalidateQueries({ queryKey: ["requests"] }));

  await waitFor(() => { expect(screen.getByText("Назначена")).toBeInTheDocument(); });
});
