import { fakeApi, problem, customer } from "./testing/fakeApi";

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { draftStorageKey } from "./requestDraft";
import { seriousViolations } from "./testing/axe";
import { currentPath, renderCustomer } from "./testing/renderCustomer";
import { sampleRequest } from "./testing/samples";

// The offsets asserted below are Moscow's (+03:00, no summer time).
process.env.TZ = "Europe/Moscow";

beforeEach(() => {
  fakeApi.reset();
  sessionStorage.clear();
});

const field = {
  category: () => screen.getByRole("combobox", { name: /Вид работ/ }),
  description: () => screen.getByRole("textbox", { name: /Что нужно сделать/ }),
  address: () => screen.getByRole("textbox", { name: /Адрес/ }),
  windowStart: () => screen.getByLabelText("С"),
  windowEnd: () => screen.getByLabelText("До"),
  budget: () => screen.getByRole("textbox", { name: /Бюджет/ }),
};

async function openForm() {
  const rendered = renderCustomer("/requests/new");
  await screen.findByRole("heading", { level: 1, name: "Новая заявка" });
  return rendered;
}

async function fillValid(user: Awaited<ReturnType<typeof openForm>>["user"], address = "Москва, Тверская ул., 1") {
  await user.selectOptions(field.category(), "plumbing");
  await user.click(field.description());
  await user.paste("Течёт смеситель");
  await user.click(field.address());
  await user.paste(address);
}

function storedDraft(): Record<string, string> {
  return JSON.parse(sessionStorage.getItem(draftStorageKey(customer.id)) ?? "null") as Record<string, string>;
}

test("an empty form is refused field by field and nothing is sent", async () => {
  const { user } = await openForm();

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));

  expect(screen.getByText("Исправьте отмеченные поля.")).toBeInTheDocument();
  expect(screen.getByText("Выберите вид работ.")).toBeInTheDocument();
  expect(screen.getByText("Опишите, что нужно сделать.")).toBeInTheDocument();
  expect(screen.getByText("Адрес — не короче 3 знаков.")).toBeInTheDocument();
  expect(field.address()).toHaveAttribute("aria-invalid", "true");
  expect(fakeApi.calls("POST", "/requests")).toHaveLength(0);
  expect(await seriousViolations()).toEqual([]);
});

test("a window ending before it starts and a malformed budget are refused before sending", async () => {
  const { user } = await openForm();
  await fillValid(user, "ул");
  fireEvent.change(field.windowStart(), { target: { value: "2027-03-01T13:00" } });
  fireEvent.change(field.windowEnd(), { target: { value: "2027-03-01T09:00" } });
  await user.click(field.budget());
  await user.paste("12,345");

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));

  expect(screen.getByText("Конец должен быть позже начала.")).toBeInTheDocument();
  expect(screen.getByText(/Укажите сумму от 0 до 100 000 000/)).toBeInTheDocument();
  expect(screen.getByText("Адрес — не короче 3 знаков.")).toBeInTheDocument();
  expect(fakeApi.calls("POST", "/requests")).toHaveLength(0);
});

test("a valid request is sent with the window's offset and the budget as decimal text, then opened", async () => {
  fakeApi.on("POST", "/requests", { status: 201, body: sampleRequest({ id: "r-77" }) });
  fakeApi.on("GET", "/requests/r-77", { body: sampleRequest({ id: "r-77" }) });
  const { user } = await openForm();
  await fillValid(user);
  fireEvent.change(field.windowStart(), { target: { value: "2027-03-01T09:00" } });
  fireEvent.change(field.windowEnd(), { target: { value: "2027-03-01T13:30" } });
  await user.click(field.budget());
  await user.paste("2500,50");

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));

  await waitFor(() => { expect(currentPath()).toBe("/requests/r-77"); });
  const [sent] = fakeApi.calls("POST", "/requests");
  expect(sent?.body).toEqual({
    category: "plumbing",
    description: "Течёт смеситель",
    address: "Москва, Тверская ул., 1",
    window_start: "2027-03-01T09:00:00+03:00",
    window_end: "2027-03-01T13:30:00+03:00",
    budget: "2500.50",
  });
  expect(sent?.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
  expect(sessionStorage.getItem(draftStorageKey(customer.id))).toBeNull();
  expect(await screen.findByText("Заявка подана")).toBeInTheDocument();
});

test("what was typed survives a reload, and so does the draft's Idempotency-Key", async () => {
  const first = await openForm();
  await fillValid(first.user);
  const key = storedDraft().idempotencyKey;
  expect(storedDraft()).toMatchObject({ category: "plumbing", description: "Течёт смеситель", address: "Москва, Тверская ул., 1" });
  first.unmount();

  fakeApi.on("POST", "/requests", { status: 201, body: sampleRequest({ id: "r-5" }) });
  fakeApi.on("GET", "/requests/r-5", { body: sampleRequest({ id: "r-5" }) });
  const again = await openForm();

  expect(screen.getByText("Восстановлен несохранённый черновик.")).toBeInTheDocument();
  expect(field.category()).toHaveValue("plumbing");
  expect(field.description()).toHaveValue("Течёт смеситель");
  expect(field.address()).toHaveValue("Москва, Тверская ул., 1");
  await again.user.click(screen.getByRole("button", { name: "Подать заявку" }));
  await waitFor(() => { expect(fakeApi.calls("POST", "/requests")).toHaveLength(1); });
  expect(fakeApi.calls("POST", "/requests")[0]?.headers.get("Idempotency-Key")).toBe(key);
});

test("a retry after a failed submit, and a double click, reuse the one Idempotency-Key", async () => {
  let answers = 0;
  fakeApi.on("POST", "/requests", () => (++answers === 1 ? problem(503, "busy") : { status: 201, body: sampleRequest({ id: "r-9" }) }));
  fakeApi.on("GET", "/requests/r-9", { body: sampleRequest({ id: "r-9" }) });
  const { user } = await openForm();
  await fillValid(user);

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));
  expect(await screen.findByText(/Сервис временно недоступен/)).toBeInTheDocument();
  expect(field.description()).toHaveValue("Течёт смеситель");
  await user.dblClick(screen.getByRole("button", { name: "Подать заявку" }));

  await waitFor(() => { expect(currentPath()).toBe("/requests/r-9"); });
  const keys = fakeApi.calls("POST", "/requests").map((call) => call.headers.get("Idempotency-Key"));
  expect(keys).toHaveLength(2);
  expect(new Set(keys).size).toBe(1);
});

test("the API's refusal of a field is shown at that field", async () => {
  fakeApi.on(
    "POST",
    "/requests",
    problem(422, "body.address: String should have at most 500 characters", {
      errors: [{ location: ["body", "address"], message: "String should have at most 500 characters", type: "string_too_long" }],
    }),
  );
  const { user } = await openForm();
  await fillValid(user);

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));

  expect(await screen.findByText("Сервер не принял значение: String should have at most 500 characters")).toBeInTheDocument();
  expect(field.address()).toHaveAttribute("aria-invalid", "true");
  expect(currentPath()).toBe("/requests/new");
});

test("photos go one by one after filing; a failed one is named and can be sent again", async () => {
  fakeApi.on("POST", "/requests", { status: 201, body: sampleRequest({ id: "r-3" }) });
  fakeApi.on("GET", "/requests/r-3", { body: sampleRequest({ id: "r-3" }) });
  let uploads = 0;
  fakeApi.on("POST", "/requests/r-3/attachments", () => (++uploads === 2 ? problem(413, "too large") : { status: 201, body: {} }));
  await openForm();
  // As a browser's "all files" choice would: the picker's accept list is a hint only.
  const user = userEvent.setup({ applyAccept: false, delay: null });
  await fillValid(user);
  const photos = [
    new File(["a"], "kitchen.jpg", { type: "image/jpeg" }),
    new File(["b"], "tap.png", { type: "image/png" }),
    new File(["c"], "notes.pdf", { type: "application/pdf" }),
  ];
  await user.upload(screen.getByLabelText("Добавить фото"), photos);
  expect(screen.getByText("notes.pdf: поддерживаются только JPEG, PNG и WebP.")).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Убрать kitchen.jpg" })).toBeInTheDocument();

  await user.click(screen.getByRole("button", { name: "Подать заявку" }));

  expect(await screen.findByText("Заявка подана, но некоторые фотографии не загрузились.")).toBeInTheDocument();
  const list = screen.getByRole("list");
  expect(within(list).getByText("kitchen.jpg: загружена")).toBeInTheDocument();
  expect(within(list).getByText(/^tap\.png: не загрузилась: Файл слишком большой\./)).toBeInTheDocument();
  const sent = fakeApi.calls("POST", "/requests/r-3/attachments").map((call) => call.body);
  expect(sent[0]).toEqual({ content_type: "image/jpeg", content_base64: btoa("a"), caption: "" });

  await user.click(screen.getByRole("button", { name: "Повторить загрузку" }));

  await waitFor(() => { expect(currentPath()).toBe("/requests/r-3"); });
  expect(fakeApi.calls("POST", "/requests/r-3/attachments").map((call) => call.body)).toEqual([
    { content_type: "image/jpeg", content_base64: btoa("a"), caption: "" },
    { content_type: "image/png", content_base64: btoa("b"), caption: "" },
    { content_type: "image/png", content_base64: btoa("b"), caption: "" },
  ]);
});
