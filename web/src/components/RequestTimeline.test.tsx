import { render, screen, within } from "@testing-library/react";

import i18n from "../i18n";
import { RequestTimeline, type Transition } from "./RequestTimeline";

process.env.TZ = "Europe/Moscow";

function step(overrides: Partial<Transition>): Transition {
  return { seq: 1, action: "create", from_state: null, to_state: "new", actor_id: "u-1", actor_role: "customer", occurred_at: "2026-12-01T08:00:00Z", data: {}, ...overrides };
}

const history = [
  step({ seq: 3, action: "cancel", from_state: "assigned", to_state: "cancelled", actor_role: "manager", occurred_at: "2026-12-01T10:15:00Z", data: { reason: "Клиент передумал" } }),
  step({ seq: 1 }),
  step({ seq: 2, action: "requeue", from_state: "assigned", to_state: "new", actor_role: "system", occurred_at: "2026-12-01T09:00:00Z" }),
];

test("steps are told in order, with who and when, and the reason given", async () => {
  await i18n.changeLanguage("ru");
  render(<RequestTimeline transitions={history} />);

  const items = screen.getAllByRole("listitem");
  expect(items.map((item) => item.getAttribute("data-action"))).toEqual(["create", "requeue", "cancel"]);
  const [created, requeued, cancelled] = items as [HTMLElement, HTMLElement, HTMLElement];
  expect(within(created).getByText("Заявка подана")).toBeInTheDocument();
  expect(within(created).getByText("1 дек. 2026 г., 11:00")).toHaveAttribute("dateTime", "2026-12-01T08:00:00Z");
  expect(within(created).getByText(/Заказчик/)).toBeInTheDocument();
  expect(within(requeued).getByText("Заявка возвращена в очередь")).toBeInTheDocument();
  expect(within(requeued).getByText(/Система/)).toBeInTheDocument();
  expect(within(cancelled).getByText("Отменена")).toBeInTheDocument();
  expect(within(cancelled).getByText(/Менеджер/)).toBeInTheDocument();
  expect(within(cancelled).getByText("Причина: Клиент передумал")).toBeInTheDocument();
});

test("in English, dates and words follow the language", async () => {
  await i18n.changeLanguage("en");
  render(<RequestTimeline transitions={[step({})]} />);

  expect(screen.getByText("Request filed")).toBeInTheDocument();
  expect(screen.getByText("Dec 1, 2026, 11:00 AM")).toBeInTheDocument();
  await i18n.changeLanguage("ru");
});

test("the dispatch steps have words of their own", async () => {
  await i18n.changeLanguage("ru");
  render(
    <RequestTimeline
      transitions={[
        step({ seq: 1, action: "offer", from_state: "new", to_state: "assigned", actor_role: "system" }),
        step({ seq: 2, action: "reassign", from_state: "assigned", to_state: "assigned", actor_role: "manager" }),
        step({ seq: 3, action: "withdraw", from_state: "assigned", to_state: "new", actor_role: "manager" }),
      ]}
    />,
  );
  expect(screen.getByText("Заявка предложена исполнителю")).toBeInTheDocument();
  expect(screen.getByText("Назначен другой исполнитель")).toBeInTheDocument();
  expect(screen.getByText("Заявка отозвана у исполнителя")).toBeInTheDocument();
});

test("an empty history says so", () => {
  render(<RequestTimeline transitions={[]} />);
  expect(screen.getByText("Событий пока нет.")).toBeInTheDocument();
});
