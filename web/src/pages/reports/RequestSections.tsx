// The reports on the requests created in the period: how many and when, how long each
// stage took, the SLA breaches and the quality of the work.
import Box from "@mui/material/Box";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { Breakdown, type Group, type GroupId } from "./Breakdown";
import { ChartFigure } from "./ChartFigure";
import { useReportFormats } from "./format";
import { useLabels } from "./labels";
import { KpiRow, KpiTile, ReportSection } from "./ReportSection";
import { useReport, type Breach, type Counted, type ReportQuery } from "./reportsApi";

export function TwoColumns({ children }: { children: ReactNode }) {
  return <Box sx={{ display: "grid", gap: 3, gridTemplateColumns: { xs: "minmax(0, 1fr)", lg: "repeat(2, minmax(0, 1fr))" } }}>{children}</Box>;
}

export function VolumeSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const volume = useReport("volume", query);
  const days = volume.data?.by_day ?? [];
  const hours = volume.data?.by_hour ?? [];
  const sum = (pick: (day: (typeof days)[number]) => number) => days.reduce((total, day) => total + pick(day), 0);
  const created = sum((day) => day.created);
  const closed = sum((day) => day.closed);
  const cancelled = sum((day) => day.cancelled);

  return (
    <ReportSection report="volume" query={query} title={t("volume.title")} status={volume} empty={created + closed + cancelled === 0}>
      <KpiRow label={t("volume.title")}>
        <KpiTile label={t("volume.created")} value={f.count(created)} />
        <KpiTile label={t("volume.closed")} value={f.count(closed)} />
        <KpiTile label={t("volume.cancelled")} value={f.count(cancelled)} />
      </KpiRow>
      <TwoColumns>
        <ChartFigure
          title={t("volume.byDay")}
          categoryLabel={t("volume.day")}
          spec={{
            kind: "line",
            categories: days.map((day) => f.shortDay(day.day)),
            series: [
              { label: t("volume.created"), data: days.map((day) => day.created) },
              { label: t("volume.closed"), data: days.map((day) => day.closed) },
              { label: t("volume.cancelled"), data: days.map((day) => day.cancelled) },
            ],
            format: f.count,
          }}
        />
        <ChartFigure
          title={t("volume.byHour")}
          categoryLabel={t("volume.hour")}
          spec={{
            kind: "bar",
            categories: hours.map((hour) => f.hour(hour.hour)),
            series: [{ label: t("volume.created"), data: hours.map((hour) => hour.created) }],
            format: f.count,
          }}
        />
      </TwoColumns>
    </ReportSection>
  );
}

export function TimingsSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const labels = useLabels();
  const timings = useReport("timings", query);
  const stages = timings.data?.stages ?? [];

  return (
    <ReportSection report="timings" query={query} title={t("timings.title")} status={timings} empty={stages.every((s) => s.count === 0)}>
      <KpiRow label={t("timings.title")}>
        {stages.map((s) => (
          <KpiTile
            key={s.stage}
            label={t(`timings.kpi.${s.stage}`)}
            value={f.duration(s.p50_s)}
            hint={t("timings.hint", { p90: f.duration(s.p90_s), count: s.count, n: f.count(s.count) })}
          />
        ))}
      </KpiRow>
      <ChartFigure
        title={t("timings.chart")}
        categoryLabel={t("timings.stage")}
        spec={{
          kind: "bar",
          categories: stages.map((s) => labels.stage(s.stage)),
          series: [
            { label: t("timings.p50"), data: stages.map((s) => s.p50_s) },
            { label: t("timings.p90"), data: stages.map((s) => s.p90_s) },
            { label: t("timings.count"), data: stages.map((s) => s.count), format: f.count, tableOnly: true },
          ],
          format: f.duration,
        }}
      />
    </ReportSection>
  );
}

export function SlaSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const labels = useLabels();
  const sla = useReport("sla", query);
  const data = sla.data;

  const group = (id: GroupId, rows: Breach[], name: (key: string) => string): Group => ({
    id,
    label: t(`by.${id}`),
    column: t(`column.${id}`),
    spec: {
      kind: "bar",
      horizontal: rows.length > 8,
      categories: rows.map((row) => name(row.key)),
      series: [
        { label: t("sla.breachPct"), data: rows.map((row) => row.breach_pct) },
        { label: t("sla.requests"), data: rows.map((row) => row.requests), format: f.count, tableOnly: true },
        { label: t("sla.breached"), data: rows.map((row) => row.breached), format: f.count, tableOnly: true },
      ],
      format: f.pct,
    },
  });

  return (
    <ReportSection report="sla" query={query} title={t("sla.title")} status={sla} empty={!data?.overall.requests}>
      {data && (
        <>
          <KpiRow label={t("sla.title")}>
            <KpiTile label={t("sla.overall")} value={f.pct(data.overall.breach_pct)} />
            <KpiTile label={t("sla.requests")} value={f.count(data.overall.requests)} />
            <KpiTile label={t("sla.breached")} value={f.count(data.overall.breached)} />
          </KpiRow>
          <Breakdown
            label={t("sla.breakdown")}
            title={(g) => t("sla.chart", { by: g.label.toLocaleLowerCase() })}
            groups={[
              group("stage", data.by_stage, labels.stage),
              group("category", data.by_category, labels.category),
              group("district", data.by_district, labels.district),
              group("tier", data.by_tier, labels.tier),
              group("executor", data.by_executor, labels.executor),
            ]}
          />
        </>
      )}
    </ReportSection>
  );
}

export function QualitySection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const labels = useLabels();
  const quality = useReport("quality", query);
  const data = quality.data;

  const group = (id: GroupId, rows: Counted[], name: (key: string) => string): Group => ({
    id,
    label: t(`by.${id}`),
    column: t(`column.${id}`),
    spec: {
      kind: "bar",
      horizontal: rows.length > 8,
      categories: rows.map((row) => name(row.key)),
      series: [{ label: t("quality.disputes"), data: rows.map((row) => row.count) }],
      format: f.count,
    },
  });
  const empty = !data || (data.confirmed === 0 && data.disputed === 0 && data.cancellations.length === 0);

  return (
    <ReportSection report="quality" query={query} title={t("quality.title")} status={quality} empty={empty}>
      {data && (
        <>
          <KpiRow label={t("quality.title")}>
            <KpiTile label={t("quality.confirmed")} value={f.count(data.confirmed)} />
            <KpiTile
              label={t("quality.firstTimeFix")}
              value={data.confirmed ? f.pct(data.first_time_fix_pct) : f.pct(null)}
              hint={t("quality.requests", { count: data.first_time_fix, n: f.count(data.first_time_fix) })}
            />
            <KpiTile
              label={t("quality.disputePct")}
              value={f.pct(data.dispute_pct)}
              hint={t("quality.requests", { count: data.disputed, n: f.count(data.disputed) })}
            />
          </KpiRow>
          {data.disputed > 0 && (
            <Breakdown
              label={t("quality.breakdown")}
              title={(g) => t("quality.chart", { by: g.label.toLocaleLowerCase() })}
              groups={[
                group("category", data.disputes_by_category, labels.category),
                group("district", data.disputes_by_district, labels.district),
                group("executor", data.disputes_by_executor, labels.executor),
              ]}
            />
          )}
          <Typography id="report-cancellations" component="h3" variant="subtitle1">
            {t("quality.cancellations")}
          </Typography>
          {data.cancellations.length === 0 ? (
            <Typography color="text.secondary">{t("quality.noCancellations")}</Typography>
          ) : (
            <TableContainer>
              <Table size="small" aria-labelledby="report-cancellations">
                <TableHead>
                  <TableRow>
                    <TableCell>{t("quality.byRole")}</TableCell>
                    <TableCell>{t("quality.inState")}</TableCell>
                    <TableCell align="right">{t("quality.count")}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.cancellations.map((row) => (
                    <TableRow key={`${row.by_role}/${row.stage}`}>
                      <TableCell>{labels.role(row.by_role)}</TableCell>
                      <TableCell>{labels.state(row.stage)}</TableCell>
                      <TableCell align="right">{f.count(row.count)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </>
      )}
    </ReportSection>
  );
}
