// The analytics reports: one query per report, keyed by its filters so the KPI tiles and the
// section below them share one answer, and each report's CSV at the same address.
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { fetchBlob } from "../../api/download";

import type { components, paths } from "../../api/schema";

export type ReportName =
  | "timings"
  | "sla"
  | "quality"
  | "executors"
  | "notifications"
  | "verification"
  | "volume"
  | "payouts";

// Each report's answer as the API's OpenAPI document declares it (`make api-types`).
export type Reports = {
  [N in ReportName]: paths[`/reports/${N}`]["get"]["responses"][200]["content"]["application/json"];
};

export type Stage = components["schemas"]["StageTiming"]["stage"];
export type Breach = components["schemas"]["SlaBreakdown"];
export type Counted = components["schemas"]["KeyCount"];
export type Grain = NonNullable<NonNullable<paths["/reports/payouts"]["get"]["parameters"]["query"]>["grain"]>;

/** The filters every report takes, as the API names them; absent ones are left out. */
export interface ReportQuery {
  from: string;
  to: string;
  category?: string;
  district?: string;
  executor_id?: string;
  grain?: Grain;
}

export function reportPath(name: ReportName, query: ReportQuery, format?: "csv"): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === "string" && value !== "") params.set(key, value);
  }
  if (format) params.set("format", format);
  return `/reports/${name}?${params.toString()}`;
}

async function fetchReport<N extends ReportName>(name: N, query: ReportQuery): Promise<Reports[N]> {
  const blob = await fetchBlob(reportPath(name, query));
  return JSON.parse(await blob.text()) as Reports[N];
}

export function useReport<N extends ReportName>(name: N, query: ReportQuery, enabled = true) {
  return useQuery({
    queryKey: ["reports", name, query],
    queryFn: () => fetchReport(name, query),
    enabled,
    // The previous period's figures stay on screen while the next one loads.
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}
