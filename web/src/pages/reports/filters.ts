// The reports' filters live in the address, so a period and a slice can be bookmarked and
// sent to a colleague; a missing period is the API's default (the last 30 days).
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

import type { Grain, ReportQuery } from "./reportsApi";

export const PRESETS = [7, 30, 90] as const;
export const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const GRAINS: readonly Grain[] = ["day", "week", "month"];

export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last `days` days up to today, as the API counts them (both ends included). */
export function lastDays(days: number, today = new Date()): { from: string; to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
  return { from: isoDay(from), to: isoDay(today) };
}

export type PeriodProblem = "missing" | "order" | "length";

function periodProblem(from: string, to: string): PeriodProblem | null {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
  if (Number.isNaN(days)) return "missing";
  if (days < 0) return "order";
  return days > MAX_DAYS ? "length" : null;
}

export interface Filters {
  query: ReportQuery;
  grain: Grain;
  /** Which quick preset the period is, if it is one. */
  preset: number | null;
  problem: PeriodProblem | null;
  set: (changes: Partial<Record<"from" | "to" | "category" | "district" | "executor_id" | "grain", string | null>>) => void;
}

export function useFilters(): Filters {
  const [search, setSearch] = useSearchParams();
  const fallback = lastDays(DEFAULT_DAYS);
  const from = search.get("from") ?? fallback.from;
  const to = search.get("to") ?? fallback.to;
  const category = search.get("category") ?? "";
  const district = search.get("district") ?? "";
  const executor = search.get("executor_id") ?? "";
  const grainParam = search.get("grain");
  const grain = GRAINS.find((g) => g === grainParam) ?? "day";

  const query = useMemo<ReportQuery>(() => {
    const built: ReportQuery = { from, to };
    if (category) built.category = category;
    if (district) built.district = district;
    if (executor) built.executor_id = executor;
    return built;
  }, [from, to, category, district, executor]);

  const set = useCallback<Filters["set"]>(
    (changes) => {
      setSearch(
        (previous) => {
          const params = new URLSearchParams(previous);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null) params.delete(key);
            else params.set(key, value);
          }
          return params;
        },
        { replace: true },
      );
    },
    [setSearch],
  );

  const today = isoDay(new Date());
  const preset = to === today ? (PRESETS.find((days) => lastDays(days).from === from) ?? null) : null;
  return { query, grain, preset, problem: periodProblem(from, to), set };
}
