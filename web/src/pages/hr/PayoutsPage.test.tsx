import { json, mockApi, problem, renderPage, seriousViolations, type Call } from "../security/testKit";

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { downloadFile } from "../../api/download";
import PayoutsPage from "./PayoutsPage";

vi.mock("../../api/download", () => ({ downloadFile: vi.fn(() => Promise.resolve()) }));

const REQUEST_A = "a0000000-0000-4000-8000-00000000000a";
const REQUEST_B = "b0000000-0000-4000-8000-00000000000b";

function payout(requestId: string, gross: string, commission: string, net: string) {
  return {
    request_id: requestId,
    executor_id: "e0000000-0000-4000-8000-00000000000e",
    executor_name: "Иван Петров",
    executor_inn: "500100732259",
    gross,
    commission_rate: "0.1",
    commission,
    net,
    currency: "RUB",
    recorded_on: "2026-11-12",
  };
}

function request(id: string, paperworkFailed: boolean) {
  return {
    id,
    state: "confirmed",
    paperwork_failed: paperworkFailed,
    address: paperworkFailed ? "Москва, Тверская ул., 1" : "Москва, Арбат, 2",
    category: "plumbing",
    description: "",
    actions: [],
    assignee_id: null,
    budget: null,
    customer_id: "c0000000-0000-4000-8000-00000000000c",
    created_at: "2026-11-10T09:00:00Z",
    updated_at: "2026-11-12T09:00:00Z",
    report: null,
    sla_breached: false,
    sla_due_at: null,
    sla_stage: null,
    version: 3,
    window_start: null,
    window_end: null,
  };
}

const document = {
  id: "d1",
  kind: "act",
  number: "A-17",
  version: 1,
  file_name: "act-A-17.pdf",
  download_url: `/requests/${REQUEST_A}/documents/d1`,
  sha256: "x",
  size: 1000,
  created_at: "2026-11-12T10:00:00Z",
};

function hrDesk(extra?: (call: Call) => ReturnType<typeof json>) {
  return mockApi((call) => {
    const special = extra?.(call);
    if (special) return special;
    if (call.path === "/payouts") {
      return json({ items: [payout(REQUEST_A, "1000.00", "100.00", "900.00"), payout(REQUEST_B, "2500.50", "250.05", "2250.45")], next_cursor: null });
    }
    if (call.path === "/requests") return json({ items: [request(REQUEST_A, true), request(REQUEST_B, false)], next_cursor: null });
    if (call.path === `/requests/${REQUEST_A}/documents`) return json([document]);
    return undefined;
  });
}

// Testing Library reads non-breaking spaces as plain ones.
const rub = (amount: number) => new Intl.NumberFormat("ru", { style: "currency", currency: "RUB" }).format(amount).replace(/\s/g, " ");
const payoutCalls = (calls: Call[]) => calls.filter((call) => call.path === "/payouts");
const entry = "/hr?from=2026-11-01&to=2026-11-30";

afterEach(() => {
  vi.clearAllMocks();
});

describe("PayoutsPage", () => {
  it("lists the period's payouts with their totals", async () => {
    const calls = hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry });

    const total = await screen.findByTestId("total-RUB");
    expect(total).toHaveTextContent(`2 выплаты: начислено ${rub(3500.5)}, комиссия ${rub(350.05)}, к выплате ${rub(3150.45)}`);
    expect(payoutCalls(calls)[0]?.query.get("from")).toBe("2026-11-01");
    expect(payoutCalls(calls)[0]?.query.get("to")).toBe("2026-11-30");
    const table = screen.getByRole("table", { name: "Выплаты за период" });
    expect(within(table).getAllByText("Иван Петров")).toHaveLength(2);
    expect(within(table).getByText(rub(2250.45))).toBeInTheDocument();
  });

  it("speaks English with English dates and money", async () => {
    hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry, language: "en" });

    const money = (amount: number) => new Intl.NumberFormat("en", { style: "currency", currency: "RUB" }).format(amount).replace(/\s/g, " ");
    expect(await screen.findByTestId("total-RUB")).toHaveTextContent(`2 payouts: gross ${money(3500.5)}, commission ${money(350.05)}, net ${money(3150.45)}`);
    expect(screen.getAllByText("Nov 12, 2026")).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Download CSV" })).toBeInTheDocument();
  });

  it("asks for the new period when it changes, and the CSV follows it", async () => {
    const calls = hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry });
    await screen.findByTestId("total-RUB");

    fireEvent.change(screen.getByLabelText("С"), { target: { value: "2026-10-01" } });
    await waitFor(() => {
      expect(payoutCalls(calls).some((call) => call.query.get("from") === "2026-10-01" && call.query.get("to") === "2026-11-30")).toBe(true);
    });

    await userEvent.click(screen.getByRole("button", { name: "Скачать CSV" }));
    expect(downloadFile).toHaveBeenCalledWith("/payouts.csv?from=2026-10-01&to=2026-11-30", "payouts-2026-10-01-2026-11-30.csv");
  });

  it("does not ask for a period that ends before it starts", async () => {
    const calls = hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry: "/hr?from=2026-11-30&to=2026-11-01" });

    expect(await screen.findByText("Период заканчивается раньше, чем начинается.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Скачать CSV" })).toBeDisabled();
    expect(payoutCalls(calls)).toHaveLength(0);
  });

  it("downloads a payout's documents", async () => {
    hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry });

    const buttons = await screen.findAllByRole("button", { name: /^Документы: Иван Петров/ });
    await userEvent.click(buttons[0] as HTMLElement);
    const dialog = await screen.findByRole("dialog", { name: "Документы заявки — Иван Петров" });
    expect(await within(dialog).findByText("Акт № A-17")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Скачать act-A-17.pdf" }));
    expect(downloadFile).toHaveBeenCalledWith(`/requests/${REQUEST_A}/documents/d1`, "act-A-17.pdf");
  });

  it("retries the paperwork of a parked request only", async () => {
    const calls = hrDesk((call) =>
      call.method === "POST" && call.path === `/requests/${REQUEST_A}/paperwork/retry` ? json(request(REQUEST_A, false), 202) : undefined,
    );
    renderPage(<PayoutsPage />, { path: "/hr", entry });

    const parked = await screen.findByRole("region", { name: "Документы не оформлены" });
    await within(parked).findByText(/Тверская/);
    expect(within(parked).queryByText(/Арбат/)).not.toBeInTheDocument();
    expect(calls.find((call) => call.path === "/requests")?.query.getAll("state")).toEqual(["confirmed"]);

    await userEvent.click(within(parked).getByRole("button", { name: "Оформить документы снова: Москва, Тверская ул., 1" }));
    await waitFor(() => {
      expect(calls.some((call) => call.method === "POST" && call.path === `/requests/${REQUEST_A}/paperwork/retry`)).toBe(true);
    });
    expect(await screen.findByText("Оформление документов запущено снова.")).toBeInTheDocument();
  });

  it("shows a refused retry as a message", async () => {
    hrDesk((call) => (call.method === "POST" ? problem(409, "the request's paperwork is not waiting for a retry") : undefined));
    renderPage(<PayoutsPage />, { path: "/hr", entry });

    await userEvent.click(await screen.findByRole("button", { name: "Оформить документы снова: Москва, Тверская ул., 1" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the request's paperwork is not waiting for a retry");
  });

  it("shows a refused period as a message", async () => {
    hrDesk((call) => (call.path === "/payouts" ? problem(422, "a period can be at most a year long") : undefined));
    renderPage(<PayoutsPage />, { path: "/hr", entry });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Проверьте введённые данные.");
    expect(alert).toHaveTextContent("a period can be at most a year long");
  });

  it("has no serious accessibility faults", async () => {
    hrDesk();
    renderPage(<PayoutsPage />, { path: "/hr", entry });
    await screen.findByTestId("total-RUB");
    await screen.findByText(/Тверская/);
    expect(await seriousViolations()).toEqual([]);
  });
});
