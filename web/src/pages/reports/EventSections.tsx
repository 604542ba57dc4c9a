// The reports on what happened in the period: notifications delivered, identity checks
// decided, payouts recorded.
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import { useTranslation } from "react-i18next";

import { ChartFigure } from "./ChartFigure";
import type { Filters } from "./filters";
import { useReportFormats } from "./format";
import { useLabels } from "./labels";
import { KpiRow, KpiTile, ReportSection } from "./ReportSection";
import { TwoColumns } from "./RequestSections";
import { useReport, type Grain, type ReportQuery } from "./reportsApi";

export function NotificationsSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const labels = useLabels();
  const report = useReport("notifications", query);
  const channels = report.data?.channels ?? [];
  const counted = (value: number) => f.count(value);

  return (
    <ReportSection
      report="notifications"
      query={query}
      title={t("notifications.title")}
      status={report}
      empty={channels.every((c) => c.requested === 0)}
    >
      <KpiRow label={t("notifications.title")}>
        {channels.map((c) => (
          <KpiTile
            key={c.channel}
            label={t("notifications.latency", { channel: labels.channel(c.channel) })}
            value={f.duration(c.p50_latency_s)}
            hint={t("notifications.p90", { value: f.duration(c.p90_latency_s) })}
          />
        ))}
      </KpiRow>
      <ChartFigure
        title={t("notifications.chart")}
        categoryLabel={t("notifications.channel")}
        spec={{
          kind: "bar",
          categories: channels.map((c) => labels.channel(c.channel)),
          series: [
            { label: t("notifications.sent"), data: channels.map((c) => c.sent), stack: "outcome" },
            { label: t("notifications.failed"), data: channels.map((c) => c.failed), stack: "outcome" },
            { label: t("notifications.unconfirmed"), data: channels.map((c) => c.unconfirmed), stack: "outcome" },
            { label: t("notifications.requested"), data: channels.map((c) => c.requested), tableOnly: true },
            { label: t("notifications.p50"), data: channels.map((c) => c.p50_latency_s), format: f.duration, tableOnly: true },
            { label: t("notifications.p90label"), data: channels.map((c) => c.p90_latency_s), format: f.duration, tableOnly: true },
          ],
          format: counted,
        }}
      />
    </ReportSection>
  );
}

export function VerificationSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const report = useReport("verification", query);
  const data = report.data;
  const steps = ["submitted", "checked", "approved", "rejected", "awaiting_decision"] as const;

  return (
    <ReportSection
      report="verification"
      query={query}
      title={t("verification.title")}
      status={report}
      empty={!data || (data.submitted === 0 && data.checked === 0)}
    >
      {data && (
        <>
          <KpiRow label={t("verification.title")}>
            <KpiTile label={t("verification.step.awaiting_decision")} value={f.count(data.awaiting_decision)} />
            <KpiTile
              label={t("verification.decisionP50")}
              value={f.duration(data.p50_decision_s)}
              hint={t("verification.p90", { value: f.duration(data.p90_decision_s) })}
            />
            <KpiTile
              label={t("verification.approvedShare")}
              value={data.approved + data.rejected ? f.share(data.approved / (data.approved + data.rejected)) : f.share(null)}
            />
          </KpiRow>
          <TwoColumns>
            <ChartFigure
              title={t("verification.funnel")}
              categoryLabel={t("verification.stepColumn")}
              spec={{
                kind: "bar",
                horizontal: true,
                categories: steps.map((step) => t(`verification.step.${step}`)),
                series: [{ label: t("verification.executors"), data: steps.map((step) => data[step]) }],
                format: f.count,
              }}
            />
            {data.rejection_reasons.length > 0 && (
              <ChartFigure
                title={t("verification.reasons")}
                categoryLabel={t("verification.reason")}
                spec={{
                  kind: "bar",
                  horizontal: true,
                  categories: data.rejection_reasons.map((r) => r.reason || t("unknown")),
                  series: [{ label: t("verification.rejectedCount"), data: data.rejection_reasons.map((r) => r.count) }],
                  format: f.count,
                }}
              />
            )}
          </TwoColumns>
        </>
      )}
    </ReportSection>
  );
}

const GRAINS: readonly Grain[] = ["day", "week", "month"];

// A period is named by its first day; weeks start on Monday.
function usePeriodName(grain: Grain): (period: string) => string {
  const { t, i18n } = useTranslation("reports");
  const f = useReportFormats();
  const language = i18n.language;
  if (grain === "month") {
    const month = new Intl.DateTimeFormat(language, { month: "long", year: "numeric", timeZone: "UTC" });
    return (period) => month.format(new Date(`${period.slice(0, 10)}T00:00:00Z`));
  }
  if (grain === "week") return (period) => t("payouts.weekOf", { day: f.shortDay(period) });
  return f.shortDay;
}

export function PayoutsSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const query = { ...filters.query, grain: filters.grain };
  const report = useReport("payouts", query);
  const data = report.data;
  const periods = data?.by_period ?? [];
  const name = usePeriodName(data?.grain ?? filters.grain);
  const amount = (value: number) => f.money(value);

  return (
    <ReportSection
      report="payouts"
      query={query}
      title={t("payouts.title")}
      status={report}
      empty={!data || data.total.count === 0}
      tools={
        <ToggleButtonGroup
          size="small"
          exclusive
          value={filters.grain}
          aria-label={t("payouts.grain")}
          onChange={(_event, grain: Grain | null) => {
            if (grain) filters.set({ grain: grain === "day" ? null : grain });
          }}
        >
          {GRAINS.map((grain) => (
            <ToggleButton key={grain} value={grain}>
              {t(`payouts.by.${grain}`)}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      }
    >
      {data && (
        <>
          <KpiRow label={t("payouts.totals")}>
            <KpiTile label={t("payouts.count")} value={f.count(data.total.count)} />
            <KpiTile label={t("payouts.gross")} value={f.money(data.total.gross)} />
            <KpiTile label={t("payouts.commission")} value={f.money(data.total.commission)} />
            <KpiTile label={t("payouts.net")} value={f.money(data.total.net)} />
          </KpiRow>
          <ChartFigure
            title={t(`payouts.chart.${data.grain}`)}
            categoryLabel={t(`payouts.period.${data.grain}`)}
            spec={{
              kind: "bar",
              categories: periods.map((p) => name(p.period)),
              series: [
                { label: t("payouts.net"), data: periods.map((p) => Number(p.net)), stack: "gross" },
                { label: t("payouts.commission"), data: periods.map((p) => Number(p.commission)), stack: "gross" },
                { label: t("payouts.gross"), data: periods.map((p) => Number(p.gross)), tableOnly: true },
                { label: t("payouts.count"), data: periods.map((p) => p.count), format: f.count, tableOnly: true },
              ],
              format: amount,
            }}
          />
        </>
      )}
    </ReportSection>
  );
}
