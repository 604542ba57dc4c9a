import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { components } from "../../api/schema";
import "../../i18n";
import ProfilePage from "./ProfilePage";
import { FakeApi, json } from "./testing/fakeApi";
import { EXECUTOR_ID } from "./testing/render";

const net = await vi.hoisted(async () => (await import("./testing/network")).installNetwork());

vi.mock("../../auth/AuthProvider", () => ({
  useUser: () => ({ id: "e0000000-0000-4000-8000-000000000001", role: "executor", locale: "ru" }),
}));

// The machine running the suite is shared; MUI's first renders can be slow there.
vi.setConfig({ testTimeout: 20_000 });

const api = new FakeApi();
const PROFILE = `/executors/${EXECUTOR_ID}`;

const me: components["schemas"]["ExecutorPublic"] = {
  id: EXECUTOR_ID,
  email: "ivan@example.com",
  full_name: "Иван Петров",
  is_active: true,
  available: true,
  active_jobs: 1,
  capacity: 3,
  rating: 4.5,
  ratings: 12,
  districts: ["ЦАО"],
  working_hours: { mon: ["09:00-18:00"] },
  service_area: "",
  skills: ["plumbing"],
  telegram_linked: false,
  verification_status: "verified",
  verified_until: "2099-01-01T00:00:00Z",
};

function renderProfile() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={["/profile"]}>
        <ProfilePage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  api.reset();
  net.fetch = api.fetch;
  api.on(`GET ${PROFILE}`, () => json(me));
});

describe("the executor's profile", () => {
  it("shows skills, capacity and rating, and sends only the changed fields; a 422 is told", async () => {
    api.on(`PATCH ${PROFILE}/profile`, () =>
      json({ type: "about:blank", title: "invalid", status: 422, detail: "intervals must not overlap" }, 422),
    );
    renderProfile();
    const facts = within(await screen.findByRole("region", { name: "Обо мне в диспетчерской" }));
    expect(facts.getByText("Сантехника")).toBeInTheDocument();
    expect(facts.getByText("до 3 работ")).toBeInTheDocument();
    expect(facts.getByText("4,5 из 5 (12 оценок)")).toBeInTheDocument();
    const save = screen.getByRole("button", { name: "Сохранить" });
    expect(save).toBeDisabled();

    await userEvent.click(screen.getByRole("switch", { name: "На смене" }));
    await userEvent.click(screen.getByRole("textbox", { name: "Вторник" }));
    await userEvent.paste("10:00-14:00");
    await userEvent.click(save);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Проверьте введённые данные.");
    expect(alert).toHaveTextContent("intervals must not overlap");
    const [call, ...more] = api.sent(`PATCH ${PROFILE}/profile`);
    expect(more).toHaveLength(0);
    expect(call?.body).toEqual({ available: false, working_hours: { mon: ["09:00-18:00"], tue: ["10:00-14:00"] } });
    const result = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
    expect(result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  });

  it("any time sends working_hours null, and a wrong interval is caught before sending", async () => {
    api.on(`PATCH ${PROFILE}/profile`, () => json({ ...me, working_hours: null }));
    renderProfile();
    await userEvent.click(await screen.findByRole("textbox", { name: "Среда" }));
    await userEvent.paste("9-18");
    await userEvent.click(screen.getByRole("button", { name: "Сохранить" }));
    expect(screen.getByText("Нужен вид ЧЧ:ММ-ЧЧ:ММ через запятую.")).toBeInTheDocument();
    expect(api.sent(`PATCH ${PROFILE}/profile`)).toHaveLength(0);

    await userEvent.click(screen.getByRole("switch", { name: "В любое время" }));
    await userEvent.click(screen.getByRole("button", { name: "Сохранить" }));

    await waitFor(() => { expect(api.sent(`PATCH ${PROFILE}/profile`)).toHaveLength(1); });
    expect(api.sent(`PATCH ${PROFILE}/profile`)[0]?.body).toEqual({ working_hours: null });
  });
});
