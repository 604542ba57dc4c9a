import { server, json, aCandidate, aRequest, anExecutor, anOffer, renderAt } from "./testServer";

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
// Offered by the cascade to e1, who has not answered yet: a manager may move or withdraw it.
const OFFERED = aRequest({
  id: "33333333-3333-4333-8333-333333333333",
  address: "Москва, Лесная, 7",
  state: "assigned",
  assignee_id: "e1",
  dispatch: "offering",
  actions: ["reassign", "withdraw", "cancel"],
});

beforeEach(() => {
  server.reset();
  server.on("GET", "/requests", () => json({ items: [A, B], next_cursor: null }));
  server.on("GET", "/executors", () => json({ items: [anExecutor()], next_cursor: null }));
  server.on("GET", "/web/config", () => json({ temporal_ui_url: "http://temporal.test/", temporal_namespace: "default" }));
  server.on("GET", /^\/requests\/[^/]+$/, (r) => json(new URL(r.url).pathname.endsWith(B.id) ? B : A));
  server.on("GET", /\/history$/, () => json([]));
  server.on("GET", /\/attachments$/, () => json([]));
  server.on("GET", /\/offers$/, () => json({ request_id: A.id, dispatch: null, offers: [] }));
  server.on("GET", /\/candidates$/, () => json({ request_id: A.id, category: "plumbing", district: "", candidates: [], ineligible: [] }));
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

async function seriousProblems(): Promise<string[]> {
  const result = await axe.run(document.body, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** OFFERED as GET /requests/{id} answers it, its ranked candidates beside. */
function serveOffered(candidates = [aCandidate({ executor_id: "e1", full_name: "Иван Current", open_jobs: 1 }), aCandidate({ executor_id: "e2", full_name: "Пётр New", score: 5 })]) {
  server.on("GET", `/requests/${OFFERED.id}`, () => json(OFFERED));
  server.on("GET", `/requests/${OFFERED.id}/candidates`, () =>
    json({ request_id: OFFERED.id, category: "plumbing", district: "ЦАО", candidates, ineligible: [] }),
  );
}

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
  test("lists the server's candidates best first with score and load, the others with their reasons, and sends POST assign", async () => {
    const user = userEvent.setup();
    server.on("GET", `/requests/${A.id}/candidates`, () =>
      json({
        request_id: A.id,
        category: "plumbing",
        district: "ЦАО",
        candidates: [
          aCandidate({ executor_id: "e2", full_name: "Борис Best", score: 6.44, open_jobs: 1 }),
          aCandidate({ executor_id: "e1", full_name: "Анна Busy", score: 4, open_jobs: 2, capacity: 4 }),
        ],
        ineligible: [
          { executor_id: "e3", full_name: "Вера Far", reasons: ["outside_area", "off_duty"] },
          { executor_id: "e4", full_name: "Глеб Short", reasons: ["verification_ends_before_the_window"] },
          { executor_id: "e5", full_name: "Дина Full", reasons: ["at_capacity"] },
        ],
      }),
    );
    server.on("POST", `/requests/${A.id}/assign`, () => json({ ...A, state: "assigned", assignee_id: "e2", actions: ["cancel"] }));
    renderAt(`/queue/${A.id}`, <QueuePage />);

    const drawer = await screen.findByTestId("request-drawer");
    await user.click(await within(drawer).findByRole("button", { name: "Назначить" }));
    const dialog = await screen.findByRole("dialog", { name: "Назначить исполнителя" });
    expect(dialog).toHaveTextContent("Район по адресу: ЦАО");

    const eligible = within(await within(dialog).findByRole("list", { name: "Подходят (лучшие сверху)" })).getAllByRole("listitem");
    expect(eligible.map((li) => li.textContent)).toEqual([expect.stringContaining("Борис Best"), expect.stringContaining("Анна Busy")]);
    expect(eligible[0]).toHaveTextContent("балл 6,4 из 9 · загрузка 1/3");
    expect(eligible[0]).toHaveTextContent("загрузка 3: занято 0 из 3 мест; рейтинг 1: оценок ещё нет");
    expect(eligible[1]).toHaveTextContent("балл 4 из 9 · загрузка 2/4");

    const others = within(dialog).getByRole("list", { name: "Не подходят" });
    expect(within(others).getAllByRole("listitem")).toHaveLength(3);
    expect(within(others).getByText("Вера Far")).toBeInTheDocument();
    expect(others).toHaveTextContent("не обслуживает этот район; не на смене");
    expect(others).toHaveTextContent("проверка истекает раньше окна визита");
    expect(others).toHaveTextContent("нет свободных мест");
    expect(within(others).queryByRole("button")).not.toBeInTheDocument();
    expect(await seriousProblems()).toEqual([]);

    await user.click(within(dialog).getByRole("button", { name: /Борис Best/ }));
    await user.click(within(dialog).getByRole("button", { name: "Назначить" }));

    await waitFor(() => { expect(screen.queryByRole("dialog", { name: "Назначить исполнителя" })).not.toBeInTheDocument(); });
    const [post] = server.requestsTo("POST", `/requests/${A.id}/assign`);
    expect(post).toBeDefined();
    expect(await post?.json()).toEqual({ executor_id: "e2" });
    expect(post?.headers.get("Idempotency-Key")).toBeTruthy();
  });

  test("reassigning from the drawer does not offer the current assignee and sends POST reassign", async () => {
    const user = userEvent.setup();
    serveOffered();
    server.on("POST", `/requests/${OFFERED.id}/reassign`, () => json({ ...OFFERED, assignee_id: "e2", dispatch: "stopped" }));
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);

    const drawer = await screen.findByTestId("request-drawer");
    await user.click(await within(drawer).findByRole("button", { name: "Переназначить" }));
    const dialog = await screen.findByRole("dialog", { name: "Переназначить заявку" });
    const current = await within(dialog).findByRole("button", { name: /Иван Current/ });
    expect(current).toHaveTextContent("назначен сейчас");
    expect(current).toHaveAttribute("aria-disabled", "true");
    expect(within(dialog).getByRole("button", { name: "Выберите исполнителя" })).toBeDisabled();

    await user.click(within(dialog).getByRole("button", { name: /Пётр New/ }));
    await user.click(within(dialog).getByRole("button", { name: "Переназначить" }));

    await waitFor(() => { expect(screen.queryByRole("dialog", { name: "Переназначить заявку" })).not.toBeInTheDocument(); });
    const [post] = server.requestsTo("POST", `/requests/${OFFERED.id}/reassign`);
    expect(await post?.json()).toEqual({ executor_id: "e2" });
    expect(server.requestsTo("POST", `/requests/${OFFERED.id}/assign`)).toHaveLength(0);
  });

  test("a on a request that can only be reassigned opens the reassign dialog", async () => {
    const user = userEvent.setup();
    serveOffered();
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    await within(drawer).findByRole("button", { name: "Переназначить" });
    await user.keyboard("a");
    expect(await screen.findByRole("dialog", { name: "Переназначить заявку" })).toBeInTheDocument();
  });
});

describe("withdrawing", () => {
  test("w asks for an optional reason and sends POST withdraw", async () => {
    const user = userEvent.setup();
    serveOffered();
    server.on("POST", `/requests/${OFFERED.id}/withdraw`, () =>
      json({ ...OFFERED, state: "new", assignee_id: null, dispatch: "stopped", actions: ["assign", "cancel"] }),
    );
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    await within(drawer).findByRole("button", { name: "Отозвать" });
    await user.keyboard("w");

    const dialog = await screen.findByRole("dialog", { name: "Отозвать заявку у исполнителя" });
    expect(dialog).toHaveTextContent("Заявка вернётся в очередь");
    await user.type(within(dialog).getByRole("textbox", { name: "Причина (необязательно)" }), "исполнитель заболел");
    await user.click(within(dialog).getByRole("button", { name: "Отозвать" }));

    await waitFor(() => { expect(screen.queryByRole("dialog", { name: "Отозвать заявку у исполнителя" })).not.toBeInTheDocument(); });
    const [post] = server.requestsTo("POST", `/requests/${OFFERED.id}/withdraw`);
    expect(await post?.json()).toEqual({ reason: "исполнитель заболел" });
  });

  test("without a reason the withdrawal goes as it is", async () => {
    const user = userEvent.setup();
    serveOffered();
    server.on("POST", `/requests/${OFFERED.id}/withdraw`, () => json({ ...OFFERED, state: "new", assignee_id: null, actions: [] }));
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    await user.click(await within(drawer).findByRole("button", { name: "Отозвать" }));
    const dialog = await screen.findByRole("dialog", { name: "Отозвать заявку у исполнителя" });
    await user.click(within(dialog).getByRole("button", { name: "Отозвать" }));

    await waitFor(() => { expect(server.requestsTo("POST", `/requests/${OFFERED.id}/withdraw`)).toHaveLength(1); });
    const [post] = server.requestsTo("POST", `/requests/${OFFERED.id}/withdraw`);
    expect(await post?.json()).toBeNull();
  });
});

describe("automatic dispatch", () => {
  test("the drawer shows where the cascade stands, each offer, and the cascade's steps in the history", async () => {
    serveOffered();
    const step = { from_state: "new", to_state: "assigned", actor_id: "u-system", actor_role: "system", occurred_at: "2026-12-03T09:50:00Z", data: {} };
    server.on("GET", `/requests/${OFFERED.id}/history`, () =>
      json([{ ...step, seq: 1, action: "offer" }, { ...step, seq: 2, action: "reassign", from_state: "assigned", actor_role: "manager" }]),
    );
    server.on("GET", `/requests/${OFFERED.id}/offers`, () =>
      json({
        request_id: OFFERED.id,
        dispatch: "offering",
        offers: [
          anOffer({ offer_no: 2, executor_id: "e1", full_name: "Иван Current" }),
          anOffer({ offer_no: 1, executor_id: "e9", full_name: "Анна First", status: "declined", answered_at: "2026-12-03T09:55:00Z", reason: "далеко ехать" }),
        ],
      }),
    );
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");

    const details = await within(drawer).findByRole("region", { name: "Сведения" });
    await waitFor(() => { expect(details).toHaveTextContent("Автоназначениеидёт подбор исполнителя"); });
    expect(within(drawer).queryByText(/назначьте вручную/)).not.toBeInTheDocument();

    const offers = within(drawer).getByRole("region", { name: "Предложения исполнителям" });
    const items = await within(offers).findAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringContaining("№1 · Анна First · отклонено"),
      expect.stringContaining("№2 · Иван Current · ждёт ответа"),
    ]);
    expect(items[0]).toHaveTextContent("причина: далеко ехать");
    expect(items[0]).toHaveTextContent(/ответ \S/);
    expect(items[0]).not.toHaveTextContent("ждёт ответа до");
    expect(items[1]).toHaveTextContent(/ждёт ответа до \S/);

    const history = within(drawer).getByRole("region", { name: "История" });
    expect(await within(history).findByText("Предложена исполнителю (автоназначение) · Новая → Назначена")).toBeInTheDocument();
    expect(within(history).getByText("Переназначить · Назначена → Назначена")).toBeInTheDocument();
    expect(await seriousProblems()).toEqual([]);
  });

  test("an escalated cascade asks for a manager", async () => {
    const ESCALATED = { ...OFFERED, state: "new" as const, assignee_id: null, dispatch: "escalated" as const, actions: ["assign", "cancel"] };
    server.on("GET", `/requests/${OFFERED.id}`, () => json(ESCALATED));
    renderAt(`/queue/${OFFERED.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    expect(await within(drawer).findByText("Автоназначение не нашло исполнителя — назначьте вручную.")).toBeInTheDocument();
    expect(within(drawer).getByRole("region", { name: "Сведения" })).toHaveTextContent("не нашло исполнителя");
  });

  test("a request assigned by hand has no dispatch field and asks for no offers", async () => {
    renderAt(`/queue/${A.id}`, <QueuePage />);
    const drawer = await screen.findByTestId("request-drawer");
    await within(drawer).findByRole("button", { name: "Назначить" });
    expect(within(drawer).queryByText("Автоназначение")).not.toBeInTheDocument();
    expect(within(drawer).queryByRole("region", { name: "Предложения исполнителям" })).not.toBeInTheDocument();
    expect(server.requestsTo("GET", `/requests/${A.id}/offers`)).toHaveLength(0);
  });

  test("rows being offered or escalated carry a labelled mark in the grid", async () => {
    server.on("GET", "/requests", () =>
      json({ items: [A, OFFERED, { ...B, dispatch: "escalated" }, aRequest({ id: "44444444-4444-4444-8444-444444444444", dispatch: "stopped" })], next_cursor: null }),
    );
    renderAt("/queue", <QueuePage />);
    const grid = await screen.findByRole("grid", { name: "Заявки в очереди" });
    await within(grid).findByText("Москва, Лесная, 7");
    const offering = within(grid).getByRole("img", { name: "Автоназначение: идёт подбор исполнителя" });
    expect(offering.closest("[role='row']")).toHaveTextContent("Москва, Лесная, 7");
    const escalated = within(grid).getByRole("img", { name: "Автоназначение: не нашло исполнителя" });
    expect(escalated.closest("[role='row']")).toHaveTextContent("Москва, Арбат, 5");
    expect(within(grid).getAllByRole("img", { name: /Автоназначение/ })).toHaveLength(2);
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
    const help = await screen.findByRole("dialog", { name: "Горячие клавиши" });
    expect(help).toHaveTextContent("Назначить или сменить исполнителя");
    expect(help).toHaveTextContent("wОтозвать заявку у исполнителя");
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
