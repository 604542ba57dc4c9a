// The period at a glance for a manager: the headline figures of the reports below (the same
// answers: each report is asked once).
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { useReportFormats } from "./format";
import { KpiRow, KpiTile } from "./ReportSection";
import { useReport, type ReportQuery } from "./reportsApi";

export function Overview({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const volume = useReport("volume", query);
  const quality = useReport("quality", query);
  const sla = useReport("sla", query);
  const timings = useReport("timings", query);
  const answers = [volume, quality, sla, timings];
  const error = answers.find((answer) => answer.error)?.error;
  const pending = answers.some((answer) => answer.isPending && !answer.error);
  const stage = (name: string) => timings.data?.stages.find((s) => s.stage === name);
  const created = volume.data?.by_day.reduce((sum, day) => sum + day.created, 0);

  return (
    <Card component="section" aria-labelledby="report-overview" variant="outlined">
      <CardContent>
        <Stack spacing={2}>
          <Typography id="report-overview" component="h2" variant="h6">
            {t("overview.title")}
          </Typography>
          <ProblemAlert error={error} />
          {pending ? (
            <Stack direction="row" spacing={2} role="progressbar" aria-label={t("loading")}>
              {[0, 1, 2, 3, 4].map((n) => (
                <Skeleton key={n} variant="rounded" height={88} sx={{ flex: 1 }} />
              ))}
            </Stack>
          ) : (
            <KpiRow label={t("overview.title")}>
              <KpiTile label={t("overview.created")} value={f.count(created)} />
              <KpiTile
                label={t("overview.firstTimeFix")}
                value={quality.data?.confirmed ? f.pct(quality.data.first_time_fix_pct) : f.pct(null)}
                hint={quality.data && t("overview.ofConfirmed", { count: quality.data.confirmed, n: f.count(quality.data.confirmed) })}
              />
              <KpiTile label={t("overview.disputes")} value={f.pct(quality.data?.dispute_pct)} />
              <KpiTile
                label={t("overview.slaBreach")}
                value={sla.data?.overall.requests ? f.pct(sla.data.overall.breach_pct) : f.pct(null)}
                hint={sla.data && t("overview.breached", { count: sla.data.overall.breached, n: f.count(sla.data.overall.breached) })}
              />
              <KpiTile label={t("overview.assignP50")} value={f.duration(stage("assign")?.p50_s)} />
              <KpiTile label={t("overview.closeP50")} value={f.duration(stage("close")?.p50_s)} />
            </KpiRow>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}
