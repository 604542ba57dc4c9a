import { json, mockApi, problem, renderPage, seriousViolations, type Call } from "../security/testKit";

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import UsersPage from "./UsersPage";

const ME = "00000000-0000-4000-8000-0000000000ad";
const ANNA = "00000000-0000-4000-8000-0000000000a1";

vi.mock("../../auth/AuthProvider", () => ({ useUser: () => ({ id: ME, role: "admin", locale: "ru" }) }));

function user(id: string, fullName: string, role: string) {
  return {
    id,
    email: `${fullName.split(" ")[0]?.toLowerCase() ?? "x"}@example.org`,
    full_name: fullName,
    role,
    is_active: true,
    locale: "ru",
    notification_channels: ["email"],
    created_at: "2026-10-01T10:00:00Z",
  };
}

const people = [user(ME, "Admin Main", "admin"), user(ANNA, "Анна Иванова", "executor")];

function adminDesk(extra?: (call: Call) => ReturnType<typeof json>) {
  return mockApi((call) => {
    const special = extra?.(call);
    if (special) return special;
    if (call.method === "GET" && call.path === "/users") return json(people);
    return undefined;
  });
}

const sent = (calls: Call[], method: string) => calls.filter((call) => call.method === method);

async function openCreate() {
  await userEvent.click(await screen.findByRole("button", { name: "Создать пользователя" }));
  return screen.findByRole("dialog", { name: "Новый пользователь" });
}

async function fill(dialog: HTMLElement, label: string, text: string) {
  await userEvent.click(within(dialog).getByLabelText(label, { exact: false }));
  await userEvent.paste(text);
}

async function choose(scope: HTMLElement, label: string, option: string) {
  await userEvent.click(within(scope).getByRole("combobox", { name: label }));
  await userEvent.click(await screen.findByRole("option", { name: option }));
}

afterEach(() => {
  vi.clearAllMocks();
});

describe("UsersPage", () => {
  it("lists accounts and filters them by role", async () => {
    const calls = adminDesk();
    renderPage(<UsersPage />, { path: "/admin" });

    const table = await screen.findByRole("table", { name: "Все учётные записи" });
    expect(within(table).getByText("Анна Иванова").closest("tr")).toHaveTextContent("Исполнитель");
    expect(within(table).getByText("Admin Main").closest("tr")).toHaveTextContent("Это вы");
    expect(within(table).queryByRole("button", { name: "Изменить: Admin Main" })).not.toBeInTheDocument();

    await choose(document.body, "Роль", "Кадры");
    await waitFor(() => {
      expect(calls.some((call) => call.path === "/users" && call.query.get("role") === "hr" && call.query.get("offset") === "0")).toBe(true);
    });
  });

  it("creates an executor with skills and an area", async () => {
    const calls = adminDesk((call) =>
      call.method === "POST" ? json({ ...user("new", "Иван Петров", "executor"), email: "ivan@example.org" }, 201) : undefined,
    );
    renderPage(<UsersPage />, { path: "/admin" });

    const dialog = await openCreate();
    await fill(dialog, "Эл. почта", " ivan@example.org ");
    await fill(dialog, "Имя", "Иван Петров");
    await fill(dialog, "Начальный пароль", "a-long-initial-secret");
    await fill(dialog, "Навыки", "plumbing, Electrical");
    await fill(dialog, "Район работы", "Москва, ЦАО");
    await userEvent.click(within(dialog).getByRole("button", { name: "Создать" }));

    await waitFor(() => { expect(sent(calls, "POST")).toHaveLength(1); });
    expect(sent(calls, "POST")[0]?.body).toEqual({
      email: "ivan@example.org",
      full_name: "Иван Петров",
      password: "a-long-initial-secret",
      role: "executor",
      locale: "ru",
      service_area: "Москва, ЦАО",
      skills: ["plumbing", "electrical"],
    });
    expect(await screen.findByText("Учётная запись ivan@example.org создана.")).toBeInTheDocument();
  });

  it("creates staff with the chosen role and language, without executor fields", async () => {
    const calls = adminDesk((call) => (call.method === "POST" ? json(user("new", "Ольга", "hr"), 201) : undefined));
    renderPage(<UsersPage />, { path: "/admin" });

    const dialog = await openCreate();
    await fill(dialog, "Эл. почта", "olga@example.org");
    await fill(dialog, "Имя", "Ольга");
    await fill(dialog, "Начальный пароль", "0123456789");
    await choose(dialog, "Роль", "Кадры");
    await choose(dialog, "Язык сообщений", "English");
    expect(within(dialog).queryByLabelText("Навыки")).not.toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Создать" }));

    await waitFor(() => { expect(sent(calls, "POST")).toHaveLength(1); });
    expect(sent(calls, "POST")[0]?.body).toEqual({
      email: "olga@example.org",
      full_name: "Ольга",
      password: "0123456789",
      role: "hr",
      locale: "en",
      service_area: "",
    });
  });

  it("does not send an account with a short password", async () => {
    const calls = adminDesk();
    renderPage(<UsersPage />, { path: "/admin" });

    const dialog = await openCreate();
    await fill(dialog, "Эл. почта", "olga@example.org");
    await fill(dialog, "Имя", "Ольга");
    await fill(dialog, "Начальный пароль", "short");
    await userEvent.click(within(dialog).getByRole("button", { name: "Создать" }));

    expect(within(dialog).getByLabelText("Начальный пароль", { exact: false })).toHaveAttribute("aria-invalid", "true");
    expect(sent(calls, "POST")).toHaveLength(0);
  });

  it("shows a taken email in the dialog", async () => {
    adminDesk((call) => (call.method === "POST" ? problem(409, "the email is taken") : undefined));
    renderPage(<UsersPage />, { path: "/admin" });

    const dialog = await openCreate();
    await fill(dialog, "Эл. почта", "anna@example.org");
    await fill(dialog, "Имя", "Анна");
    await fill(dialog, "Начальный пароль", "0123456789");
    await userEvent.click(within(dialog).getByRole("button", { name: "Создать" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent("the email is taken");
    expect(screen.getByRole("dialog", { name: "Новый пользователь" })).toBeInTheDocument();
  });

  it("shows a refused account in the dialog", async () => {
    adminDesk((call) => (call.method === "POST" ? problem(422, "value is not a valid email address") : undefined));
    renderPage(<UsersPage />, { path: "/admin" });

    const dialog = await openCreate();
    await fill(dialog, "Эл. почта", "anna@localhost");
    await fill(dialog, "Имя", "Анна");
    await fill(dialog, "Начальный пароль", "0123456789");
    await userEvent.click(within(dialog).getByRole("button", { name: "Создать" }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("Проверьте введённые данные.");
    expect(alert).toHaveTextContent("value is not a valid email address");
  });

  it("changes a role and deactivates, sending only what changed", async () => {
    const calls = adminDesk((call) => (call.method === "PATCH" ? json({ ...people[1], role: "manager", is_active: false }) : undefined));
    renderPage(<UsersPage />, { path: "/admin" });

    await userEvent.click(await screen.findByRole("button", { name: "Изменить: Анна Иванова" }));
    const dialog = await screen.findByRole("dialog", { name: "Анна Иванова" });
    await choose(dialog, "Роль", "Менеджер");
    await userEvent.click(within(dialog).getByRole("switch", { name: "Доступ открыт" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Сохранить" }));

    await waitFor(() => { expect(sent(calls, "PATCH")).toHaveLength(1); });
    expect(sent(calls, "PATCH")[0]?.path).toBe(`/users/${ANNA}`);
    expect(sent(calls, "PATCH")[0]?.body).toEqual({ role: "manager", is_active: false });
  });

  it("shows a refused change in the dialog", async () => {
    adminDesk((call) => (call.method === "PATCH" ? problem(403, "account administration is for admins") : undefined));
    renderPage(<UsersPage />, { path: "/admin" });

    await userEvent.click(await screen.findByRole("button", { name: "Изменить: Анна Иванова" }));
    const dialog = await screen.findByRole("dialog", { name: "Анна Иванова" });
    await userEvent.click(within(dialog).getByRole("switch", { name: "Доступ открыт" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Сохранить" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Это действие вам недоступно.");
  });

  it("has no serious accessibility faults, with the create dialog open too", async () => {
    adminDesk();
    renderPage(<UsersPage />, { path: "/admin" });
    await screen.findByRole("table", { name: "Все учётные записи" });
    expect(await seriousViolations()).toEqual([]);
    await openCreate();
    expect(await seriousViolations()).toEqual([]);
  });
});
