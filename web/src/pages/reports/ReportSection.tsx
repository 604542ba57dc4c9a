// A report's card: its heading and CSV button, then a skeleton while the first answer is on
// its way, the refusal if there is one, "no data for this period", or the figures.
import DownloadIcon from "@mui/icons-material/Download";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import LinearProgress from "@mui/material/LinearProgress";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { downloadFile } from "../../api/download";
import { notices } from "../../feedback/notices";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { reportPath, type ReportName, type ReportQuery } from "./reportsApi";

export const visuallyHidden = {
  border: 0,
  clip: "rect(0 0 0 0)",
  height: "1px",
  margin: "-1px",
  overflow: "hidden",
  padding: 0,
  position: "absolute",
  whiteSpace: "nowrap",
  width: "1px",
} as const;

interface Status {
  isPending: boolean;
  isFetching: boolean;
  isPlaceholderData: boolean;
  error: unknown;
}

interface Props {
  report: ReportName;
  query: ReportQuery;
  title: string;
  status: Status;
  /** Nothing happened in the period: the figures would all be zeros. */
  empty: boolean;
  /** Controls beside the heading (a grain, a breakdown). */
  tools?: ReactNode;
  children: ReactNode;
}

export function ReportSection({ report, query, title, status, empty, tools, children }: Props) {
  const { t } = useTranslation("reports");
  const headingId = `report-${report}`;
  const csvName = `${report}-${query.from}-${query.to}.csv`;
  const showFigures = !status.isPending && !status.error;

  return (
    <Card component="section" aria-labelledby={headingId} variant="outlined" aria-busy={status.isFetching}>
      {status.isPlaceholderData && <LinearProgress aria-label={t("loading")} sx={{ height: 2 }} />}
      <CardContent>
        <Stack spacing={2}>
          <Stack direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ justifyContent: "space-between", alignItems: { sm: "center" } }}>
            <Typography id={headingId} component="h2" variant="h6">
              {title}
            </Typography>
            <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }} useFlexGap>
              {tools}
              <Button
                size="small"
                variant="outlined"
                startIcon={<DownloadIcon />}
                aria-label={t("csvNamed", { name: title })}
                onClick={() => {
                  downloadFile(reportPath(report, query, "csv"), csvName).catch((error: unknown) => { notices.error(error); });
                }}
              >
                {t("csv")}
              </Button>
            </Stack>
          </Stack>
          {status.isPending && !status.error && <SectionSkeleton label={t("loading")} />}
          <ProblemAlert error={status.error} />
          {showFigures && empty && (
            <Typography color="text.secondary" role="status">
              {t("empty")}
            </Typography>
          )}
          {showFigures && !empty && children}
        </Stack>
      </CardContent>
    </Card>
  );
}

function SectionSkeleton({ label }: { label: string }) {
  return (
    <Box role="progressbar" aria-label={label} aria-busy="true">
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        {[0, 1, 2].map((n) => (
          <Skeleton key={n} variant="rounded" height={72} sx={{ flex: 1 }} />
        ))}
      </Stack>
      <Skeleton variant="rounded" height={220} />
    </Box>
  );
}

/** One headline figure. */
export function KpiTile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card variant="outlined" sx={{ flex: "1 1 160px", minWidth: 150 }}>
      <CardContent sx={{ "&:last-child": { pb: 2 } }}>
        <Typography variant="body2" color="text.secondary" component="p">
          {label}
        </Typography>
        <Typography variant="h5" component="p" sx={{ fontWeight: 600 }}>
          {value}
        </Typography>
        {hint && (
          <Typography variant="caption" color="text.secondary" component="p">
            {hint}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}

export function KpiRow({ children, label }: { children: ReactNode; label: string }) {
  return (
    <Stack role="group" aria-label={label} direction="row" spacing={2} useFlexGap sx={{ flexWrap: "wrap" }}>
      {children}
    </Stack>
  );
}
