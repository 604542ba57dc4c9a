// The new-request form's draft: what was typed, and the Idempotency-Key the request will be
// filed under. Kept in sessionStorage (this tab only, gone when it closes) on every change,
// so a reload or a sign-in after an expired session loses nothing, and a retry of a submit
// whose answer was lost files the same request, not a second one.
import type { components } from "../../api/schema";
import type { Category } from "../../requests/categories";

export interface Draft {
  category: Category | "";
  description: string;
  address: string;
  /** datetime-local values, as the inputs hold them ("2026-12-01T09:00"). */
  windowStart: string;
  windowEnd: string;
  budget: string;
  idempotencyKey: string;
}

export type DraftField = Exclude<keyof Draft, "idempotencyKey">;

const PREFIX = "sra.newRequestDraft.";

export function draftStorageKey(userId: string): string {
  return PREFIX + userId;
}

export function emptyDraft(): Draft {
  return { category: "", description: "", address: "", windowStart: "", windowEnd: "", budget: "", idempotencyKey: crypto.randomUUID() };
}

function isDraft(value: unknown): value is Draft {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  const fields: (keyof Draft)[] = ["category", "description", "address", "windowStart", "windowEnd", "budget", "idempotencyKey"];
  return fields.every((field) => typeof record[field] === "string") && record.idempotencyKey !== "";
}

/** The stored draft of this user in this tab, if there is a usable one. */
export function loadDraft(userId: string): Draft | null {
  try {
    const raw = sessionStorage.getItem(draftStorageKey(userId));
    const value: unknown = raw ? JSON.parse(raw) : null;
    return isDraft(value) ? value : null;
  } catch {
    return null;
  }
}

export function saveDraft(userId: string, draft: Draft): void {
  try {
    sessionStorage.setItem(draftStorageKey(userId), JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the form still works, only a reload would lose it.
  }
}

export function clearDraft(userId: string): void {
  sessionStorage.removeItem(draftStorageKey(userId));
}

export function isBlank(draft: Draft): boolean {
  return !(draft.category || draft.description || draft.address || draft.windowStart || draft.windowEnd || draft.budget);
}

// The API's limits (api/schemas.py RequestCreate), checked before sending.
export const DESCRIPTION_MAX = 4000;
export const ADDRESS_MIN = 3;
export const ADDRESS_MAX = 500;
export const WINDOW_LONGEST_DAYS = 31;
const DAY_MS = 24 * 60 * 60 * 1000;
const WINDOW_PAST_MS = 365 * DAY_MS;
const WINDOW_FUTURE_MS = 2 * 365 * DAY_MS;
const BUDGET_MAX = 100_000_000;
const BUDGET_PATTERN = /^\d+(?:[.,]\d{1,2})?$/;

export type DraftProblem =
  | { key: "categoryRequired" | "descriptionRequired" | "windowOrder" | "windowRange" | "windowInvalid" | "budget" }
  | { key: "descriptionLong" | "addressLong"; max: number }
  | { key: "addressShort"; min: number }
  | { key: "windowSpan"; days: number };

export type DraftProblems = Partial<Record<DraftField, DraftProblem>>;

function parseLocal(value: string): Date | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function checkWindowTime(value: string, now: number): DraftProblem | undefined {
  if (!value) return undefined;
  const date = parseLocal(value);
  if (!date) return { key: "windowInvalid" };
  const time = date.getTime();
  return time < now - WINDOW_PAST_MS || time > now + WINDOW_FUTURE_MS ? { key: "windowRange" } : undefined;
}

export function validateDraft(draft: Draft, now: number = Date.now()): DraftProblems {
  const problems: DraftProblems = {};
  if (!draft.category) problems.category = { key: "categoryRequired" };
  const description = draft.description.trim();
  if (!description) problems.description = { key: "descriptionRequired" };
  else if (description.length > DESCRIPTION_MAX) problems.description = { key: "descriptionLong", max: DESCRIPTION_MAX };
  const address = draft.address.trim();
  if (address.length < ADDRESS_MIN) problems.address = { key: "addressShort", min: ADDRESS_MIN };
  else if (address.length > ADDRESS_MAX) problems.address = { key: "addressLong", max: ADDRESS_MAX };
  const start = checkWindowTime(draft.windowStart, now);
  const end = checkWindowTime(draft.windowEnd, now);
  if (start) problems.windowStart = start;
  if (end) problems.windowEnd = end;
  const startDate = draft.windowStart ? parseLocal(draft.windowStart) : null;
  const endDate = draft.windowEnd ? parseLocal(draft.windowEnd) : null;
  if (!start && !end && startDate && endDate) {
    if (endDate <= startDate) problems.windowEnd = { key: "windowOrder" };
    else if (endDate.getTime() - startDate.getTime() > WINDOW_LONGEST_DAYS * DAY_MS) {
      problems.windowEnd = { key: "windowSpan", days: WINDOW_LONGEST_DAYS };
    }
  }
  const budget = draft.budget.trim();
  if (budget && (!BUDGET_PATTERN.test(budget) || Number(budget.replace(",", ".")) > BUDGET_MAX)) {
    problems.budget = { key: "budget" };
  }
  return problems;
}

/** A datetime-local value as an ISO instant with this browser's offset ("…T09:00:00+03:00"). */
export function withOffset(local: string): string {
  const date = new Date(local);
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const seconds = local.length === 16 ? `${local}:00` : local;
  return `${seconds}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

export type RequestCreate = components["schemas"]["RequestCreate"];

/** The API's body for a valid draft; optional fields left empty are not sent. */
export function toRequestCreate(draft: Draft): RequestCreate {
  const body: RequestCreate = { category: draft.category, description: draft.description.trim(), address: draft.address.trim() };
  if (draft.windowStart) body.window_start = withOffset(draft.windowStart);
  if (draft.windowEnd) body.window_end = withOffset(draft.windowEnd);
  const budget = draft.budget.trim().replace(",", ".");
  if (budget) body.budget = budget; // decimal text: a float would round kopecks
  return body;
}

const API_FIELDS: Record<string, DraftField> = {
  category: "category",
  description: "description",
  address: "address",
  window_start: "windowStart",
  window_end: "windowEnd",
  budget: "budget",
};

export interface FieldRefusals {
  byField: Partial<Record<DraftField, string>>;
  /** Whether every refusal found its field (else the page shows the whole problem too). */
  complete: boolean;
}

/** A 422's field errors ({location: ["body", "address"], message}) by the form's field. */
export function refusalsByField(problem: unknown): FieldRefusals {
  const byField: FieldRefusals["byField"] = {};
  const errors = (problem as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return { byField, complete: false };
  let complete = true;
  for (const error of errors as Record<string, unknown>[]) {
    const location = error.location ?? error.loc;
    const message = error.message ?? error.msg;
    const path: unknown[] = Array.isArray(location) ? location : [];
    const name = path[0] === "body" ? path[1] : undefined;
    const field = typeof name === "string" ? API_FIELDS[name] : undefined;
    if (field && typeof message === "string") byField[field] ??= message;
    else complete = false;
  }
  return { byField, complete };
}
