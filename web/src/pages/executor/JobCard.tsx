// One job as the executor sees it on the phone: what, where, when, and what to do now.
import PlaceIcon from "@mui/icons-material/Place";
import ScheduleIcon from "@mui/icons-material/Schedule";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { StateChip } from "../../components/StateChip";
import type { RequestView } from "../../requests/useRequestAction";
import { JobActions } from "./JobActions";
import { ACTIVE_STATES, formatWindow } from "./jobs";
import type { Outbox } from "./useOutbox";
import { useCategoryLabel } from "../../requests/categories";

const SUMMARY_LENGTH = 160;

function shorten(text: string): string {
  return text.length > SUMMARY_LENGTH ? `${text.slice(0, SUMMARY_LENGTH).trimEnd()}…` : text;
}

interface Props {
  job: RequestView;
  outbox: Outbox;
  /** The list's card: the heading level it sits under, a link to the details, a shorter text. */
  summary?: boolean;
}

export function JobCard({ job, outbox, summary = false }: Props) {
  const { t, i18n } = useTranslation("executor");
  const categoryName = useCategoryLabel();
  const when = formatWindow(job, i18n.language);
  const open = ACTIVE_STATES.includes(job.state);

  return (
    <Card component="article" variant="outlined" aria-labelledby={`job-${job.id}`} data-testid="job-card">
      <CardContent>
        <Stack spacing={1.5}>
          <Stack direction="row" sx={{ alignItems: "center", justifyContent: "space-between", flexWrap: "wrap", gap: 1 }}>
            <Typography id={`job-${job.id}`} variant="h6" component={summary ? "h3" : "h1"} sx={{ wordBreak: "break-word" }}>
              {categoryName(job.category)}
            </Typography>
            <StateChip state={job.state} />
          </Stack>
          <Fact label={t("jobs.address")} icon={<PlaceIcon color="action" aria-hidden sx={{ mt: 0.25 }} />}>
            <Link
              href={t("jobs.mapsUrl", { address: encodeURIComponent(job.address) })}
              target="_blank"
              rel="noopener noreferrer"
              aria-label={t("jobs.mapsLabel", { address: job.address })}
              sx={{ wordBreak: "break-word" }}
            >
              {job.address}
            </Link>
          </Fact>
          <Fact label={t("jobs.window")} icon={<ScheduleIcon color="action" aria-hidden sx={{ mt: 0.25 }} />}>
            <Typography>{when ?? t("jobs.noWindow")}</Typography>
            {!summary && open && job.sla_due_at && (
              <Typography variant="body2" color="text.secondary">
                {t("jobs.due")}: {new Date(job.sla_due_at).toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short" })}
              </Typography>
            )}
            {open && job.sla_breached && (
              <Typography color="error" variant="body2" sx={{ fontWeight: 600 }}>
                {t("jobs.overdue")}
              </Typography>
            )}
          </Fact>
          <Fact label={t("jobs.description")}>
            <Text>{summary ? shorten(job.description) : job.description}</Text>
          </Fact>
          {!summary && job.report && (
            <Fact label={t("jobs.report")}>
              <Text>{job.report}</Text>
            </Fact>
          )}
          <JobActions job={job} outbox={outbox} />
          {summary && (
            <Button
              component={RouterLink}
              to={`/jobs/${job.id}`}
              size="large"
              sx={{ minHeight: 48 }}
              aria-label={t("jobs.openJob", { category: categoryName(job.category), address: job.address })}
            >
              {t("jobs.open")}
            </Button>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}

function Fact({ label, icon, children }: { label: string; icon?: ReactNode; children: ReactNode }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: "flex-start" }}>
      {icon}
      <Box sx={{ minWidth: 0 }}>
        <Typography variant="caption" color="text.secondary" component="p">
          {label}
        </Typography>
        {children}
      </Box>
    </Stack>
  );
}

function Text({ children }: { children: string }) {
  return <Typography sx={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{children}</Typography>;
}
