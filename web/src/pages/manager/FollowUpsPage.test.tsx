import { server, json } from "./testServer";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, expect, test, vi } from "vitest";

import type { components } from "../../api/schema";
import i18n from "../../i18n";
import FollowUpsPage from "./FollowUpsPage";

vi.setConfig({ testTimeout: 20_000 });

type FollowUp = components["schemas"]["FollowUpPublic"];

function aFollowUp(overrides: Partial<FollowUp> = {}): FollowUp {
  return {
    id: "f-1",
    request_id: "11111111-1111-4111-8111-111111111111",
    customer_id: "c-1",
    customer_name: "Анна Заказчица",
    score: 1,
    comment: "Опоздал на два часа",
    created_at: "2026-12-03T10:00:00Z",
    done_at: null,
    done_by: null,
    note: "",
    ...overrides,
  };
}

const ANNA = aFollowUp();
const PETR = aFollowUp({ id: "f-2", request_id: "22222222-2222-4222-8222-222222222222", customer_name: "Пётр Клиентов", score: 2, comment: "" });

beforeEach(() => {
  server.reset();
  void i18n.changeLanguage("ru");
  server.on("GET", "/follow-ups", () => json([ANNA, PETR]));
});

afterEach(() => {
  server.reset();
});

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={["/follow-ups"]}>
        <FollowUpsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

test("the open follow-ups are listed, and one is marked done with a note", async () => {
  server.on("POST", "/follow-ups/f-2/done", () => json({ ...PETR, done_at: "2026-12-03T11:00:00Z", note: "Перезвонили, сделаем скидку" }));
  const user = userEvent.setup({ delay: null });
  renderPage();

  const items = await screen.findAllByTestId("follow-up");
  expect(items).toHaveLength(2);
  const [anna] = items as [HTMLElement];
  expect(within(anna).getByRole("heading", { name: "Анна Заказчица" })).toBeInTheDocument();
  expect(within(anna).getByRole("img", { name: "Оценка: 1 из 5" })).toBeInTheDocument();
  expect(within(anna).getByText("Опоздал на два часа")).toBeInTheDocument();
  expect(within(anna).getByRole("link", { name: "Открыть заявку 11111111" })).toHaveAttribute("href", `/queue/${ANNA.request_id}`);
  const asked = server.requestsTo("GET", "/follow-ups")[0];
  expect(asked && new URL(asked.url).searchParams.get("open")).toBe("true");
  const result = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  expect(result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

  await user.click(screen.getByRole("button", { name: "Готово: Пётр Клиентов" }));
  const dialog = within(await screen.findByRole("dialog", { name: "Звонок клиенту Пётр Клиентов" }));
  await user.click(dialog.getByRole("button", { name: "Готово" }));
  expect(dialog.getByText("Напишите, о чём договорились.")).toBeInTheDocument();
  expect(server.requestsTo("POST", "/follow-ups/f-2/done")).toHaveLength(0);

  server.on("GET", "/follow-ups", () => json([ANNA]));
  await user.click(dialog.getByRole("textbox", { name: /Заметка/ }));
  await user.paste("Перезвонили, сделаем скидку");
  await user.click(dialog.getByRole("button", { name: "Готово" }));

  await waitFor(() => { expect(server.requestsTo("POST", "/follow-ups/f-2/done")).toHaveLength(1); });
  const [sent] = server.requestsTo("POST", "/follow-ups/f-2/done");
  expect(await sent?.json()).toEqual({ note: "Перезвонили, сделаем скидку" });
  await waitFor(() => { expect(screen.queryByRole("dialog")).not.toBeInTheDocument(); });
  await waitFor(() => { expect(screen.getAllByTestId("follow-up")).toHaveLength(1); });
  expect(screen.queryByText("Пётр Клиентов")).not.toBeInTheDocument();
});
