import { server, json, aRequest, anExecutor, renderAt } from "./testServer";

import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import axe from "axe-core";

import i18n from "../../i18n";
import { liveEvents } from "../../live/liveEvents";
import QueuePage from "./QueuePage";
import { SlaCountdown } from "./SlaCountdown";

// The grid renders for real in jsdom, which is slow on a busy machine.
vi.setConfig({ testTimeout: 20_000 });

const A = aRequest();
const B = aRequest({ id: "22222222-2222-4222-8222-222222222222", address: "Москва, Арбат, 5", state: "disputed", actions: ["resolve_rework", "resolve_accept", "cancel"] });

beforeEach(() => {
  server.reset();
  server.on("GET", "/requests", () => json({ items: [A, B], next_cursor: null }));
  server.on("GET", "/executors", () => json({ items: [anExecutor()], next_cursor: null }));
  server.on("GET", "/web/config", () => json({ temporal_ui_url: "http://temporal.test/", temporal_namespace: "default" }));
  server.on("GET", /^\/requests\/[^/]+$/, (r) => json(new URL(r.url).pathname.endsWith(B.id) ? B : A));
  server.on("GET", /\/history$/, () => json([]));
  server.on("GET", /\/attachments$/, () => json([]));
});

afterEach(() => {
  server.reset();
  vi.useRealTimers();
});

function lastQuery(): URLSearchParams {
  const last = server.requestsTo("GET", "/requests").at(-1);
  if (!last) throw new Error("GET /requests was never called");
  return new URL(last.url).searchParams;
}

const location = () => screen.getByTestId("location").textContent;

describe("the queue grid", () => {
  test("shows the rows of GET /requests, asking for the open states newest first", async () => {
    renderAt("/queue", <QueuePage />);
    expect(await screen.findByText("Москва, Арбат, 5")).toBeInTheDocument();
    const grid = screen.getByRole("grid", { name: "Заявки в очереди" });
    expect(within(grid).getByText("Москва, Тверская ул., 1")).toBeInTheDocument();
    expect(within(grid).getByText("Спор")).toBeInTheDocument();
    const query = lastQuery();
    expect(query.getAll("state")).toEqual(["new", "assigned", "accepted", "in_progress", "completed", "disputed"]);
    expect(query.get("sort")).toBe("-created_at");
    expect(query.get("limit")).toBe("50");
    expect(query.has("cursor")).toBe(false);
  });

  test("a filter or a sort change asks the server again with its parameters", async () => {
    const user = userEvent.setup();
    renderAt("/queue", <QueuePage />);
    await screen.findByText("Москва, Арбат, 5");

    await user.click(screen.getByRole("switch", { name: "Только с нарушенным SLA" }));
    await waitFor(() => { expect(lastQuery().get("sla_breached")).toBe("true"); });
    expect(location()).toBe("/queue?sla=breached");

    await user.click(screen.getByRole("columnheader", { name: /Создана/ }));
    await waitFor(() => { expect(lastQuery().get("sort")).toBe("created_at"); });
    expect(lastQuery().get("sla_breached")).toBe("true");

    await user.click(screen.getByRole("combobox", { name: "Состояние" }));
    await user.click(screen.getByRole("option", { name: "Новая" }));
    await waitFor(() => {
      expect(lastQuery().getAll("state")).toEqual(["assigned", "accepted", "in_progress", "completed", "disputed"]);
    });
  });

  test("the next page is fetched with the cursor of the page before", async () => {
    const user = userEvent.setup();
    server.on("GET", "/requests", (r) =>
      new URL(r.url).searchParams.get("cursor") === "page-2"
        ? json({ items: [B], next_cursor: null })
        : json({ items: [A], next_cursor: "page-2" }),
    );
    renderAt("/queue", <QueuePage />);
    await screen.findByText("Москва, Тверская ул., 1");
    await user.click(screen.getByRole("button", { name: /следующ/i }));
    expect(await screen.findByText("Москва, Арбат, 5")).toBeInTheDocument();
    expect(lastQuery().get("cursor")).toBe("page-2");
    expect(screen.queryByText("Москва, Тверская ул., 1")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: /следующ/i })).toBeDisabled();

    // Opening a request and closing it again keeps the page.
    await user.click(screen.getByText("Москва, Арбат, 5"));
    expect(location()).toBe(`/queue/${B.id}`);
    await screen.findByTestId("request-drawer");
    await user.keyboard("{Escape}");
    await waitFor(() => { expect(location()).toBe("/queue"); });
    expect(screen.getByText("Москва, Арбат, 5")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: /предыдущ/i }));
    expect(await screen.findByText("Москва, Тверская ул., 1")).toBeInTheDocument();
    expect(screen.queryByText("Москва, Арбат, 5")).not.toBeInTheDocument();
  });

  test("a failed load is explained", async () => {
    server.on("GET", "/requests", () => json({ status: 503, title: "down" }, 503));
    renderAt("/queue", <QueuePage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Сервис временно недоступен");
  });
});

describe("live changes", () => {
  test("a row that changed live is marked for a few seconds", async () => {
    renderAt("/queue", <QueuePage />);
    const cell = await screen.findByText("Москва, Арбат, 5");
    const row = () => cell.closest("[role='row']");
    expect(row()).not.toHaveClass("queue-row-changed");
    act(() => { liveEvents.emit({ type: "request.assigned", occurred_at: new Date().toISOString(), request: B }); });
    await waitFor(() => { expect(row()).toHaveClass("queue-row-changed"); });
    await waitFor(() => { expect(row()).not.toHaveClass("queue-row-changed"); }, { timeout: 7000 });
  });
});

describe("accessibility", () => {
  test("axe finds nothing serious in the queue, nor with a request open", async () => {
    const user = userEvent.setup();
    renderAt("/queue", <QueuePage />);
    await screen.findByText("Москва, Арбат, 5");
    const seriousProblems = async () => {
      const result = await axe.run(document.body, { resultTypes: ["violations"] });
      return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    };
    expect(await seriousProblems()).toEqual([]);

    await user.click(screen.getByText("Москва, Арбат, 5"));
    const drawer = await screen.findByTestId("request-drawer");
    await within(drawer).findByRole("button", { name: "Решить спор" });
    expect(await seriousProblems()).toEqual([]);
  });
});

describe("the SLA countdown", () => {
  test("ticks down to the deadline, then says how late it is, in red", () => {
    vi.useFakeTimers({ shouldAdvanceTime: false });
    vi.setSystemTime(new Date("2026-12-03T12:00:00Z"));
    const due = new Date(Date.now() + ((1 * 60 + 23) * 60 + 45) * 1000).toISOString();
    render(<SlaCountdown request={{ state: "assigned", sla_due_at: due, sla_breached: false }} />);
    const text = screen.getByTestId("sla-countdown");
    expect(text).toHaveTextContent("до срока 1:23:45");
    act(() => { vi.advanceTimersByTime(1000); });
    expect(text).toHaveTextContent("до срока 1:23:44");
    act(() => { vi.advanceTimersByTime(((1 * 60 + 23) * 60 + 44) * 1000 + 12 * 60_000); });
    expect(text).toHaveTextContent("просрочено 12 мин");
    expect(text).toHaveStyle({ fontWeight: "600" });
  });

  test("a breached request carries a badge; English reads in English", async () => {
    await i18n.changeLanguage("en");
    try {
      const due = new Date(Date.now() - 2 * 3600_000 - 5 * 60_000 - 1000).toISOString();
      render(<SlaCountdown request={{ state: "in_progress", sla_due_at: due, sla_breached: true }} />);
      expect(screen.getByTestId("sla-countdown")).toHaveTextContent("overdue 2 h 5 min");
      expect(screen.getByText("SLA breached")).toBeInTheDocument();
    } finally {
      await i18n.changeLanguage("ru");
    }
  });
});

describe("assigning", () => {
  test("lists only eligible executors by load, says why the others are not, and sends POST assign", async () => {
    const user = userEvent.setup();
    server.on("GET", "/executors", () =>
      json({
        items: [
          anExecutor({ id: "e1", full_name: "Анна Busy", active_jobs: 4 }),
          anExecutor({ id: "e2", full_name: "Борис Free", active_jobs: 1 }),
          anExecutor({ id: "e3", full_name: "Вера Electric", skills: ["electrical"] }),
          anExecutor({ id: "e4", full_name: "Глеб Expired", verified_until: "2020-01-01T00:00:00Z" }),
          anExecutor({ id: "e5", full_name: "Дина Rejected", verification_status: "rejected", verified_until: null }),
        ],
        next_cursor: null,
      }),
    );
    server.on("POST", `/requests/${A.id}/assign`, () => json({ ...A, state: "assigned", assignee_id: "e2", actions: ["cancel"] }));
    renderAt(`/queue/${A.id}`, <QueuePage />);

    const drawer = await screen.findByTestId("request-drawer");
    await user.click(await within(drawer).findByRole("button", { name: "Назначить" }));
    const dialog = await screen.findByRole("dialog", { name: "Назначить исполнителя" });

    const eligible = within(within(dialog).getByRole("list", { name: "Подходят (по загрузке)" })).getAllByRole("listitem");
    expect(eligible.map((li) => li.textContent)).toEqual([expect.stringContaining("Борис Free"), expect.stringContaining("Анна Busy")]);
    expect(eligible[0]).toHaveTextContent("в работе: 1");

    const others = within(dialog).getByRole("list", { name: "Не подходят" });
    expect(within(others).getByText("Вера Electric")).toBeInTheDocument();
    expect(others).toHaveTextContent("нет навыка «plumbing»");
    expect(others).toHaveTextContent("проверка истекла");
    expect(others).toHaveTextContent("не прошёл проверку СБ");
    expect(within(others).queryByRole("button")).not.toBeInTheDocument();

    await user.click(within(dialog).getByRole("button", { name: /Борис Free/ }));
    await user.click(within(dialog).getByRole("button", { name: "Назначить" }));

    await waitFor(() => { expect(screen.queryByRole("dialog", { name: "Назначить исполнителя" })).not.toBeInTheDocument(); });
    const [post] = server.requestsTo("POST", `/requests/${A.id}/assign`);
    expect(post).toBeDefined();
    expect(await post?.json()).toEqual({ executor_id: "e2" });
    expect(post?.headers.get("Idempotency-Key")).toBeTruthy();
  });
});

describe("shortcuts", () => {
  test("j selects the first row, Enter opens it in the drawer, Escape closes it", async () => {
    const user = userEvent.setup();
    renderAt("/queue", <QueuePage />);
    await screen.findByText("Москва, Арбат, 5");

    await user.keyboard("j");
    await user.keyboard("j");
    await user.keyboard("{Enter}");
    expect(location()).toBe(`/queue/${B.id}`);
    const drawer = await screen.findByTestId("request-drawer");
    expect(await within(drawer).findByRole("button", { name: "Решить спор" })).toBeInTheDocument();
    const link = within(drawer).getByRole("link", { name: /Temporal/ });
    expect(link).toHaveAttribute("href", `http://temporal.test/namespaces/default/workflows/request-${B.id}`);

    await user.keyboard("{Escape}");
    await waitFor(() => { expect(location()).toBe("/queue"); });
  });

  test("keys typed into a filter are text, not shortcuts; ? shows the help", async () => {
    const user = userEvent.setup();
    renderAt("/queue", <QueuePage />);
    await screen.findByText("Москва, Арбат, 5");
    const category = screen.getByRole("combobox", { name: "Категория" });
    await user.click(category);
    await user.keyboard("jc");
    expect(category).toHaveValue("jc");
    expect(location()).toBe("/queue");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await user.click(document.body);
    await user.keyboard("?");
    expect(await screen.findByRole("dialog", { name: "Горячие клавиши" })).toHaveTextContent("Назначить исполнителя");
  });
});

describe("a refused action", () => {
  test("a 409 on cancel is shown in the dialog in the user's language", async () => {
    const user = userEvent.setup();
    server.on("POST", `/requests/${A.id}/cancel`, () =>
      json({ type: "about:blank", title: "Conflict", status: 409, detail: "request is assigned" }, 409),
    );
    renderAt(`/queue/${A.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    await within(drawer).findByRole("button", { name: "Отменить" });
    await user.keyboard("c");
    const dialog = await screen.findByRole("dialog", { name: "Отменить заявку" });
    await user.click(within(dialog).getByRole("button", { name: "Отменить заявку" }));
    expect(within(dialog).getByText("Укажите причину")).toBeInTheDocument();
    expect(server.requestsTo("POST", `/requests/${A.id}/cancel`)).toHaveLength(0);

    await user.type(within(dialog).getByRole("textbox", { name: "Причина" }), "клиент передумал");
    await user.click(within(dialog).getByRole("button", { name: "Отменить заявку" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "Действие невозможно в текущем состоянии. Подробности: request is assigned",
    );
    const [post] = server.requestsTo("POST", `/requests/${A.id}/cancel`);
    expect(await post?.json()).toEqual({ reason: "клиент передумал" });
  });
});
