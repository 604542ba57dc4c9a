import { mockApi, json, problem, renderPage, seriousViolations, type Call } from "./testKit";

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import SecurityPage from "./SecurityPage";

const who = vi.hoisted(() => ({ role: "security" }));
vi.mock("../../auth/AuthProvider", () => ({ useUser: () => ({ id: "officer-1", role: who.role, locale: "ru" }) }));

const EXECUTOR = "5b0c3c52-0000-4000-8000-000000000001";

const overview = {
  executor_id: EXECUTOR,
  full_name: "Иван Петров",
  email: "ivan@example.org",
  state: "awaiting_decision",
  reason: "",
  verified_until: null,
};

function verification(state: string) {
  return {
    executor_id: EXECUTOR,
    state,
    round: 1,
    reason: "",
    decided_by: null,
    verified_until: null,
    escalated: false,
    checks: [
      { name: "inn", passed: true, detail: "ИНН действителен", checked: true },
      { name: "passport", passed: false, detail: "паспорт в списке недействительных", checked: true },
      { name: "self_employed", passed: false, detail: "налоговая не ответила", checked: false },
    ],
  };
}

function desk(state = "awaiting_decision", decision?: (call: Call) => ReturnType<typeof json>) {
  return mockApi((call) => {
    if (call.path === "/verifications") return json({ items: [overview], next_cursor: null });
    if (call.path === `/executors/${EXECUTOR}/verification`) return json(verification(state));
    if (call.path === `/executors/${EXECUTOR}`) return problem(404, "no such executor");
    if (call.path === `/executors/${EXECUTOR}/verification/decision` && decision) return decision(call);
    return undefined;
  });
}

const decisions = (calls: Call[]) => calls.filter((call) => call.method === "POST");

afterEach(() => {
  who.role = "security";
  vi.restoreAllMocks();
});

describe("SecurityPage", () => {
  it("lists the executors awaiting a decision and filters the queue by state", async () => {
    const calls = desk();
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: "/security" });

    const link = await screen.findByRole("link", { name: "Иван Петров" });
    expect(link).toHaveAttribute("href", `/security/${EXECUTOR}`);
    const row = link.closest("tr");
    expect(row).not.toBeNull();
    expect(within(row as HTMLElement).getByText("Ждёт решения")).toBeInTheDocument();
    expect(calls[0]?.query.get("state")).toBe("awaiting_decision");

    await userEvent.click(screen.getByRole("combobox", { name: "Состояние проверки" }));
    await userEvent.click(await screen.findByRole("option", { name: "Отклонён" }));
    await waitFor(() => {
      expect(calls.some((call) => call.path === "/verifications" && call.query.get("state") === "rejected")).toBe(true);
    });
  });

  it("shows each check's outcome and posts an approval with its reason", async () => {
    const calls = desk("awaiting_decision", (call) => json({ ...verification("verified"), reason: (call.body as { reason: string }).reason }));
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    const checks = await screen.findByRole("table", { name: "Автоматические проверки" });
    expect(within(checks).getByText("ИНН").closest("tr")).toHaveTextContent("Пройдена");
    expect(within(checks).getByText("Паспорт").closest("tr")).toHaveTextContent("Не пройдена");
    expect(within(checks).getByText("Статус самозанятого").closest("tr")).toHaveTextContent("Не проведена");

    await userEvent.click(screen.getByRole("textbox", { name: "Причина" }));
    await userEvent.paste("  документы в порядке ");
    await userEvent.click(screen.getByRole("button", { name: "Одобрить" }));

    await waitFor(() => { expect(decisions(calls)).toHaveLength(1); });
    expect(decisions(calls)[0]?.body).toEqual({ approved: true, reason: "документы в порядке" });
    expect(await screen.findByText("Исполнитель одобрен.")).toBeInTheDocument();
    // The answer replaces the view: a decided verification offers no decision.
    expect(screen.queryByRole("button", { name: "Одобрить" })).not.toBeInTheDocument();
  });

  it("posts a rejection with the reason typed", async () => {
    const calls = desk("awaiting_decision", () => json(verification("rejected")));
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    await userEvent.click(await screen.findByRole("textbox", { name: "Причина" }));
    await userEvent.paste("Паспорт недействителен");
    await userEvent.click(screen.getByRole("button", { name: "Отклонить" }));

    await waitFor(() => { expect(decisions(calls)).toHaveLength(1); });
    expect(decisions(calls)[0]?.body).toEqual({ approved: false, reason: "Паспорт недействителен" });
  });

  it("does not send a rejection without a reason", async () => {
    const calls = desk("awaiting_decision", () => json(verification("rejected")));
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    const reason = await screen.findByRole("textbox", { name: "Причина" });
    await userEvent.type(reason, "   ");
    await userEvent.click(screen.getByRole("button", { name: "Отклонить" }));

    expect(await screen.findByText("Укажите причину отказа.")).toBeInTheDocument();
    expect(reason).toHaveAttribute("aria-invalid", "true");
    expect(reason).toHaveFocus();
    expect(decisions(calls)).toHaveLength(0);
  });

  it("shows the API's refusal of a decision in the form", async () => {
    desk("awaiting_decision", () => problem(409, "nothing to decide: the verification is verified"));
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    await userEvent.click(await screen.findByRole("button", { name: "Одобрить" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Действие невозможно в текущем состоянии.");
    expect(alert).toHaveTextContent("nothing to decide: the verification is verified");
  });

  it("offers no decision while the checks run", async () => {
    desk("checking");
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    expect(await screen.findByText("Сейчас решение не требуется.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Одобрить" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Отклонить" })).not.toBeInTheDocument();
  });

  it("lets an admin see but not decide", async () => {
    who.role = "admin";
    desk();
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });

    expect(await screen.findByText("Решение принимают сотрудники службы безопасности.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Одобрить" })).not.toBeInTheDocument();
  });

  it("shows a refused queue as a message", async () => {
    mockApi((call) => (call.path === "/verifications" ? problem(403, "the verification queue is for security staff") : undefined));
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: "/security" });

    expect(await screen.findByRole("alert")).toHaveTextContent("Это действие вам недоступно.");
  });

  it("has no serious accessibility faults", async () => {
    desk();
    renderPage(<SecurityPage />, { path: "/security/:executorId", entry: `/security/${EXECUTOR}` });
    await screen.findByRole("button", { name: "Одобрить" });
    await screen.findByRole("link", { name: "Иван Петров" });
    expect(await seriousViolations()).toEqual([]);
  });
});
