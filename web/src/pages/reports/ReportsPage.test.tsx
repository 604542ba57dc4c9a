import { json, mockApi, problem, renderPage, seriousViolations, type Call } from "../security/testKit";

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLocation } from "react-router";

import { downloadFile } from "../../api/download";
import type { Role } from "../../auth/AuthProvider";
import ReportsPage from "./ReportsPage";
import type { Reports } from "./reportsApi";
import { busy, executorsPage, IVAN, quiet } from "./testData";

vi.mock("../../api/download", async (original) => ({
  ...(await original<typeof import("../../api/download")>()),
  downloadFile: vi.fn(() => Promise.resolve()),
}));
const who = vi.hoisted((): { role: Role } => ({ role: "manager" }));
vi.mock("../../auth/AuthProvider", () => ({ useUser: () => ({ id: "staff-1", role: who.role, locale: "ru" }) }));

// A manager's page is nine reports with a data grid and charts: slow in jsdom on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const entry = "/reports?from=2026-11-01&to=2026-11-30";

function Address() {
  const location = useLocation();
  return <output data-testid="address">{location.search}</output>;
}

function page(language: "ru" | "en" = "ru", at = entry) {
  return renderPage(
    <>
      <ReportsPage />
      <Address />
    </>,
    { path: "/reports", entry: at, language },
  );
}

function reportsApi(answers: Reports, special?: (call: Call) => ReturnType<typeof json>): Call[] {
  return mockApi((call) => {
    const answer = special?.(call);
    if (answer) return answer;
    if (call.path === "/executors") return json(executorsPage);
    const name = call.path.replace(/^\/reports\//, "") as keyof Reports;
    return name in answers ? json(answers[name]) : undefined;
  });
}

const reportCalls = (calls: Call[], name?: string) =>
  calls.filter((call) => (name ? call.path === `/reports/${name}` : call.path.startsWith("/reports/")));
const section = (name: string) => screen.getByRole("region", { name });
// Testing Library reads non-breaking spaces as plain ones.
const plain = (text: string) => text.replace(/\s/g, " ");

afterEach(() => {
  vi.clearAllMocks();
  who.role = "manager";
});

describe("ReportsPage", () => {
  it("shows a manager every report for the period in the address", async () => {
    const calls = reportsApi(busy);
    page();

    const timings = await screen.findByRole("region", { name: "Сроки по этапам" });
    expect(await within(timings).findByText("До назначения")).toBeInTheDocument();
    // 4800 s is "1 ч 20 мин"; the 90th percentile beside it.
    expect(within(timings).getAllByText("1 ч 20 мин").length).toBeGreaterThan(0);
    expect(within(timings).getByText("90 % — за 3 ч; 40 заявок")).toBeInTheDocument();
    for (const name of ["volume", "timings", "sla", "quality", "executors", "notifications", "verification", "payouts"]) {
      expect(reportCalls(calls, name)[0]?.query.get("from")).toBe("2026-11-01");
      expect(reportCalls(calls, name)[0]?.query.get("to")).toBe("2026-11-30");
    }
    const overview = section("Коротко о периоде");
    expect(await within(overview).findByText(plain(new Intl.NumberFormat("ru", { style: "percent" }).format(0.85)))).toBeInTheDocument();
    expect(within(overview).getByText(plain(new Intl.NumberFormat("ru", { style: "percent", maximumFractionDigits: 1 }).format(0.125)))).toBeInTheDocument();

    // The executors' table reads names, not ids.
    const executors = section("Исполнители");
    expect(await within(executors).findByText("Иван Петров")).toBeInTheDocument();
    expect(within(executors).queryByText(IVAN)).not.toBeInTheDocument();
  });

  it("gives every chart a name and its figures as a table", async () => {
    reportsApi(busy);
    page();

    const sla = await screen.findByRole("region", { name: "Соблюдение SLA" });
    const figure = await within(sla).findByRole("figure", { name: "Доля нарушений SLA по этапам" });
    const table = within(figure).getByRole("table", { name: "Доля нарушений SLA по этапам" });
    const assign = within(table).getByRole("row", { name: /Назначение/ });
    expect(assign).toHaveTextContent(plain(new Intl.NumberFormat("ru", { style: "percent", maximumFractionDigits: 1 }).format(0.075)));
    expect(assign).toHaveTextContent("40");

    await userEvent.click(within(sla).getByRole("button", { name: "По округам" }));
    const byDistrict = within(sla).getByRole("table", { name: "Доля нарушений SLA по округам" });
    expect(within(byDistrict).getByRole("rowheader", { name: "ЦАО" })).toBeInTheDocument();
    expect(within(byDistrict).getByRole("rowheader", { name: "Не определено" })).toBeInTheDocument();

    const toggle = within(figure).queryByRole("button", { name: "Показать таблицу" }) ?? within(sla).getByRole("button", { name: "Показать таблицу" });
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(toggle).toHaveTextContent("Скрыть таблицу");
  });

  it("puts the filters into the address and the requests", async () => {
    // HR's page has the same filters over one report: quicker to drive than a manager's.
    who.role = "hr";
    const calls = reportsApi(busy);
    page();
    await screen.findByRole("region", { name: "Выплаты" });

    await userEvent.click(screen.getByRole("combobox", { name: "Категория" }));
    await userEvent.click(await screen.findByRole("option", { name: "Сантехника" }));
    await waitFor(() => {
      expect(screen.getByTestId("address")).toHaveTextContent("category=plumbing");
    });
    await waitFor(() => {
      expect(reportCalls(calls, "payouts").some((call) => call.query.get("category") === "plumbing")).toBe(true);
    });

    await userEvent.click(screen.getByRole("combobox", { name: "Исполнитель" }));
    await userEvent.click(await screen.findByRole("option", { name: "Иван Петров" }));
    await waitFor(() => {
      expect(reportCalls(calls, "payouts").some((call) => call.query.get("executor_id") === IVAN && call.query.get("category") === "plumbing")).toBe(true);
    });
    expect(screen.getByTestId("address")).toHaveTextContent(`executor_id=${IVAN}`);

    await userEvent.click(screen.getByRole("button", { name: "7 дней" }));
    const sevenDaysAgo = new Date();
    sevenDaysAgo.setDate(sevenDaysAgo.getDate() - 7);
    const from = `${sevenDaysAgo.getFullYear()}-${String(sevenDaysAgo.getMonth() + 1).padStart(2, "0")}-${String(sevenDaysAgo.getDate()).padStart(2, "0")}`;
    await waitFor(() => {
      expect(reportCalls(calls, "payouts").some((call) => call.query.get("from") === from)).toBe(true);
    });
    expect(screen.getByRole("button", { name: "7 дней" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("address")).toHaveTextContent(`from=${from}`);

    await userEvent.click(within(section("Выплаты")).getByRole("button", { name: "По неделям" }));
    await waitFor(() => {
      expect(reportCalls(calls, "payouts").some((call) => call.query.get("grain") === "week" && call.query.get("from") === from)).toBe(true);
    });
    expect(screen.getByTestId("address")).toHaveTextContent("grain=week");

    await userEvent.click(screen.getByRole("button", { name: "Сбросить" }));
    await waitFor(() => {
      expect(screen.getByTestId("address")).not.toHaveTextContent("category=");
    });
    expect(screen.getByRole("button", { name: "30 дней" })).toHaveAttribute("aria-pressed", "true");
  });

  it("shows HR the payouts only", async () => {
    who.role = "hr";
    const calls = reportsApi(busy);
    page();

    const payouts = await screen.findByRole("region", { name: "Выплаты" });
    expect((await within(payouts).findAllByText(plain(new Intl.NumberFormat("ru", { style: "currency", currency: "RUB" }).format(2700)))).length).toBeGreaterThan(0);
    expect(screen.queryByRole("region", { name: "Соблюдение SLA" })).not.toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "Коротко о периоде" })).not.toBeInTheDocument();
    await waitFor(() => {
      expect(reportCalls(calls).length).toBeGreaterThan(0);
    });
    expect(new Set(reportCalls(calls).map((call) => call.path))).toEqual(new Set(["/reports/payouts"]));
  });

  it("shows security the identity checks only, narrowed by executor alone", async () => {
    who.role = "head_security";
    const calls = reportsApi(busy);
    page();

    const verification = await screen.findByRole("region", { name: "Проверка исполнителей" });
    expect(await within(verification).findByRole("figure", { name: "Воронка проверки" })).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Категория" })).not.toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Исполнитель" })).toBeInTheDocument();
    expect(new Set(reportCalls(calls).map((call) => call.path))).toEqual(new Set(["/reports/verification"]));
  });

  it("says so when the period has no data", async () => {
    reportsApi(quiet);
    page();

    for (const name of ["Поток заявок", "Сроки по этапам", "Соблюдение SLA", "Качество работ", "Исполнители", "Уведомления", "Проверка исполнителей", "Выплаты"]) {
      const region = await screen.findByRole("region", { name });
      expect(await within(region).findByText("Нет данных за этот период.")).toBeInTheDocument();
      expect(within(region).queryByRole("figure")).not.toBeInTheDocument();
    }
  });

  it("shows a refused report as the problem, and the others still", async () => {
    reportsApi(busy, (call) => (call.path === "/reports/sla" ? problem(403, "SLA reports are for managers") : undefined));
    page();

    const sla = await screen.findByRole("region", { name: "Соблюдение SLA" });
    const alert = await within(sla).findByRole("alert");
    expect(alert).toHaveTextContent("SLA reports are for managers");
    expect(within(section("Качество работ")).queryByRole("alert")).not.toBeInTheDocument();
    expect(await within(section("Качество работ")).findByText("Подтверждено заявок")).toBeInTheDocument();
  });

  it("does not ask for a period that ends before it starts", async () => {
    const calls = reportsApi(busy);
    page("ru", "/reports?from=2026-11-30&to=2026-11-01");

    expect(await screen.findByText("Период заканчивается раньше, чем начинается.")).toBeInTheDocument();
    expect(reportCalls(calls)).toHaveLength(0);
  });

  it("downloads each report's CSV for the filters shown", async () => {
    reportsApi(busy);
    page("ru", `${entry}&district=ЦАО`);

    const sla = await screen.findByRole("region", { name: "Соблюдение SLA" });
    await userEvent.click(within(sla).getByRole("button", { name: "Скачать CSV: Соблюдение SLA" }));
    expect(downloadFile).toHaveBeenCalledWith(
      `/reports/sla?from=2026-11-01&to=2026-11-30&district=${encodeURIComponent("ЦАО")}&format=csv`,
      "sla-2026-11-01-2026-11-30.csv",
    );

    await userEvent.click(within(section("Выплаты")).getByRole("button", { name: "По месяцам" }));
    await userEvent.click(within(section("Выплаты")).getByRole("button", { name: "Скачать CSV: Выплаты" }));
    expect(downloadFile).toHaveBeenLastCalledWith(
      `/reports/payouts?from=2026-11-01&to=2026-11-30&district=${encodeURIComponent("ЦАО")}&grain=month&format=csv`,
      "payouts-2026-11-01-2026-11-30.csv",
    );
  });

  it("speaks English with English numbers and durations", async () => {
    reportsApi(busy);
    page("en");

    const timings = await screen.findByRole("region", { name: "Stage timings" });
    expect(await within(timings).findByText("90% within 3 hr; 40 requests")).toBeInTheDocument();
    expect(within(timings).getAllByText("1 hr 20 min").length).toBeGreaterThan(0);
    expect(within(timings).getAllByText("1 day").length).toBeGreaterThan(0);
    expect(screen.getByRole("button", { name: "Download CSV: Stage timings" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "30 days" })).toBeInTheDocument();
  });

  it("has no serious accessibility faults", async () => {
    reportsApi(busy);
    page();
    const executors = await screen.findByRole("region", { name: "Исполнители" });
    await within(executors).findByText("Иван Петров");
    await within(section("Выплаты")).findByRole("figure", { name: "Выплаты по дням" });
    expect(await seriousViolations()).toEqual([]);
  }, 240_000);
});
