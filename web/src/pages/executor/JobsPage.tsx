// The executor's jobs, made for a phone at the work site: the list (/jobs) and one job
// (/jobs/:requestId). Every action goes through the outbox, so no signal loses nothing.
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import CloudOffIcon from "@mui/icons-material/CloudOff";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import CircularProgress from "@mui/material/CircularProgress";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useParams } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { RatingBlock, mayRate } from "../../components/RatingBlock";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { JobCard } from "./JobCard";
import { byUrgency, fetchJobs, type JobGroup } from "./jobs";
import { useOnline } from "./useOnline";
import { useOutbox, type Outbox } from "./useOutbox";

export default function JobsPage() {
  const { requestId } = useParams();
  const outbox = useOutbox();
  return (
    <Box sx={{ maxWidth: 640, mx: "auto", px: { xs: 1.5, sm: 2 }, py: 2 }}>
      <Stack spacing={2}>
        <OutboxBanner outbox={outbox} />
        {requestId ? <JobDetail requestId={requestId} outbox={outbox} /> : <JobList outbox={outbox} />}
      </Stack>
    </Box>
  );
}

function OutboxBanner({ outbox }: { outbox: Outbox }) {
  const { t } = useTranslation("executor");
  const online = useOnline();
  const waiting = outbox.entries.filter((entry) => !entry.refusal).length;
  if (online && waiting === 0) return null;
  return (
    <Alert
      severity={online ? "info" : "warning"}
      icon={online ? undefined : <CloudOffIcon />}
      role="status"
      action={
        online && waiting > 0 ? (
          <Button color="inherit" size="large" onClick={outbox.retry}>
            {t("outbox.sendNow")}
          </Button>
        ) : undefined
      }
    >
      {!online && <span>{t("outbox.offline")} </span>}
      {waiting > 0 && <span>{t("outbox.pending", { count: waiting })}</span>}
    </Alert>
  );
}

function JobList({ outbox }: { outbox: Outbox }) {
  const { t } = useTranslation("executor");
  return (
    <>
      <Typography variant="h5" component="h1">
        {t("jobs.title")}
      </Typography>
      <JobSection group="active" outbox={outbox} />
      <JobSection group="done" outbox={outbox} />
    </>
  );
}

function JobSection({ group, outbox }: { group: JobGroup; outbox: Outbox }) {
  const { t } = useTranslation("executor");
  const query = useInfiniteQuery({
    queryKey: ["requests", { view: "jobs", group }],
    queryFn: ({ pageParam }) => fetchJobs(group, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const jobs = useMemo(() => {
    const items = query.data?.pages.flatMap((page) => page.items) ?? [];
    return group === "active" ? [...items].sort(byUrgency) : items;
  }, [query.data, group]);
  const headingId = `jobs-${group}`;

  return (
    <Box component="section" aria-labelledby={headingId}>
      <Typography id={headingId} variant="h6" component="h2" sx={{ mb: 1 }}>
        {t(group === "active" ? "jobs.active" : "jobs.done")}
      </Typography>
      {query.isPending ? (
        <CircularProgress aria-label={t("app.loading", { ns: "common" })} />
      ) : query.isError && jobs.length === 0 ? (
        <Stack spacing={1}>
          <ProblemAlert error={query.error} />
          <Button size="large" onClick={() => void query.refetch()}>
            {t("common.retry", { ns: "common" })}
          </Button>
        </Stack>
      ) : jobs.length === 0 ? (
        <Typography color="text.secondary">{t(group === "active" ? "jobs.emptyActive" : "jobs.emptyDone")}</Typography>
      ) : (
        <Stack spacing={1.5}>
          {jobs.map((job) => (
            <JobCard key={job.id} job={job} outbox={outbox} summary />
          ))}
          {query.hasNextPage && (
            <Button size="large" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
              {t("jobs.more")}
            </Button>
          )}
        </Stack>
      )}
    </Box>
  );
}

function JobDetail({ requestId, outbox }: { requestId: string; outbox: Outbox }) {
  const { t } = useTranslation("executor");
  const query = useQuery({
    queryKey: ["request", requestId],
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}", { params: { path: { request_id: requestId } } })),
  });

  return (
    <>
      <Button component={RouterLink} to="/jobs" startIcon={<ArrowBackIcon />} size="large" sx={{ alignSelf: "flex-start" }}>
        {t("jobs.back")}
      </Button>
      {query.data ? (
        <>
          <JobCard job={query.data} outbox={outbox} />
          {mayRate(query.data) && <RatingBlock requestId={query.data.id} />}
        </>
      ) : query.isError ? (
        <Stack spacing={1}>
          <Typography variant="h5" component="h1">
            {t("jobs.title")}
          </Typography>
          <ProblemAlert error={query.error} />
          <Button size="large" onClick={() => void query.refetch()}>
            {t("common.retry", { ns: "common" })}
          </Button>
        </Stack>
      ) : (
        <CircularProgress aria-label={t("app.loading", { ns: "common" })} />
      )}
    </>
  );
}
