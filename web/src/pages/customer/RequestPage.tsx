import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useParams } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { RequestTimeline } from "../../components/RequestTimeline";
import { RatingBlock, mayRate } from "../../components/RatingBlock";
import { StateChip } from "../../components/StateChip";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { PageLoading } from "../../layout/PageLoading";
import { liveEvents } from "../../live/liveEvents";
import { useRequestAction, type RequestView } from "../../requests/useRequestAction";
import { categoryLabel } from "../../requests/categories";
import { useFormats } from "../../format";
import { ReasonDialog } from "./ReasonDialog";
import { RequestDocuments, documentsKey } from "./RequestDocuments";
import { RequestPhotos, attachmentsKey } from "./RequestPhotos";
import { SlaHint } from "./SlaHint";

// What a customer may do to their request; the request's `actions` says which of them now.
const CUSTOMER_ACTIONS = ["confirm", "dispute", "cancel"] as const;
type CustomerAction = (typeof CUSTOMER_ACTIONS)[number];

function isCustomerAction(action: string): action is CustomerAction {
  return (CUSTOMER_ACTIONS as readonly string[]).includes(action);
}

export default function RequestPage() {
  const { requestId = "" } = useParams();
  const { t } = useTranslation("customer");
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  // ["request", id]: the live stream writes each new state of it here.
  const request = useQuery({
    queryKey: ["request", requestId],
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}", { params: { path: { request_id: requestId } } })),
  });
  const history = useQuery({
    queryKey: ["history", requestId],
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}/history", { params: { path: { request_id: requestId } } })),
  });

  useEffect(
    () =>
      // Photos come with the executor's report and documents after confirmation: both
      // follow a move of the request, which the stream reports.
      liveEvents.subscribe((event) => {
        if (event.request.id !== requestId) return;
        void queryClient.invalidateQueries({ queryKey: attachmentsKey(requestId) });
        void queryClient.invalidateQueries({ queryKey: documentsKey(requestId) });
      }),
    [queryClient, requestId],
  );

  if (request.isPending) return <PageLoading />;
  if (request.isError) {
    return (
      <Stack spacing={2} sx={{ maxWidth: 960, mx: "auto", alignItems: "flex-start" }}>
        <BackLink />
        <ProblemAlert error={request.error} />
        <Button onClick={() => void request.refetch()}>{tc("common.retry")}</Button>
      </Stack>
    );
  }
  const view = request.data;

  return (
    <Stack spacing={2} sx={{ maxWidth: 960, mx: "auto" }}>
      <BackLink />
      <Stack direction="row" spacing={1.5} sx={{ alignItems: "center", flexWrap: "wrap", rowGap: 1 }}>
        <Typography component="h1" variant="h5">
          {t("request.title", { category: categoryLabel(t, view.category) })}
        </Typography>
        <StateChip state={view.state} size="medium" />
      </Stack>
      <SlaHint request={view} />
      <Actions request={view} />
      {mayRate(view) && <RatingBlock requestId={view.id} />}
      <Section title={t("request.details")}>
        <Details request={view} />
      </Section>
      <Section title={t("request.history")}>
        {history.isPending && <PageLoading />}
        {history.isError && <ProblemAlert error={history.error} />}
        {history.isSuccess && <RequestTimeline transitions={history.data} />}
      </Section>
      <Section title={t("request.photos")}>
        <RequestPhotos requestId={view.id} />
      </Section>
      <Section title={t("request.documents")}>
        <RequestDocuments requestId={view.id} />
      </Section>
    </Stack>
  );
}

function BackLink() {
  const { t } = useTranslation("customer");
  return (
    <Box>
      <Button component={RouterLink} to="/requests" startIcon={<ArrowBackIcon />}>
        {t("request.back")}
      </Button>
    </Box>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper component="section" sx={{ p: { xs: 2, sm: 3 } }} aria-label={title}>
      <Typography component="h2" variant="h6" gutterBottom>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

function Details({ request }: { request: RequestView }) {
  const { t } = useTranslation("customer");
  const formats = useFormats();
  const start = request.window_start ? formats.moment(request.window_start) : null;
  const end = request.window_end ? formats.moment(request.window_end) : null;
  const window =
    start && end ? t("request.windowRange", { start, end }) : start ? t("request.windowFrom", { start }) : end ? t("request.windowTo", { end }) : t("request.noWindow");
  const rows: [string, string][] = [
    [t("request.description"), request.description],
    [t("request.address"), request.address],
    [t("request.window"), window],
    [t("request.budget"), request.budget !== null ? formats.money(request.budget) : t("request.noBudget")],
    [t("request.created"), formats.moment(request.created_at)],
    [t("request.updated"), formats.moment(request.updated_at)],
  ];
  if (request.report) rows.push([t("request.report"), request.report]);
  return (
    <Box component="dl" sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "minmax(140px, max-content) 1fr" }, columnGap: 3, rowGap: 1, m: 0 }}>
      {rows.map(([term, value]) => (
        <Box key={term} sx={{ display: "contents" }}>
          <Typography component="dt" color="text.secondary">
            {term}
          </Typography>
          <Typography component="dd" sx={{ m: 0, whiteSpace: "pre-line", overflowWrap: "anywhere" }}>
            {value}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

function Actions({ request }: { request: RequestView }) {
  const { t } = useTranslation("customer");
  const { t: tc } = useTranslation();
  const action = useRequestAction(request.id, { quiet: true });
  const [asking, setAsking] = useState<"dispute" | "cancel" | null>(null);
  const allowed = request.actions.filter(isCustomerAction);

  const done = (name: CustomerAction) => ({
    onSuccess: () => {
      setAsking(null);
      notices.say(t("request.done", { action: tc(`action.${name}`) }));
    },
    onError: () => {
      setAsking(null);
    },
  });

  return (
    <Paper component="section" sx={{ p: { xs: 2, sm: 3 } }} aria-labelledby="request-actions-heading">
      <Typography id="request-actions-heading" component="h2" variant="h6" gutterBottom>
        {t("request.actions")}
      </Typography>
      <Stack spacing={2}>
        {action.isError && <ProblemAlert error={action.error} />}
        {allowed.length === 0 ? (
          <Typography color="text.secondary">{t("request.noActions")}</Typography>
        ) : (
          <Stack direction="row" spacing={1.5} sx={{ flexWrap: "wrap", rowGap: 1 }}>
            {allowed.map((name) => (
              <Button
                key={name}
                variant={name === "confirm" ? "contained" : "outlined"}
                color={name === "cancel" ? "error" : name === "dispute" ? "warning" : "primary"}
                disabled={action.isPending}
                onClick={() => {
                  if (name === "confirm") action.mutate({ action: "confirm" }, done("confirm"));
                  else setAsking(name);
                }}
              >
                {tc(`action.${name}`)}
              </Button>
            ))}
          </Stack>
        )}
      </Stack>
      {asking && (
        <ReasonDialog
          open
          title={asking === "dispute" ? t("request.disputeTitle") : t("request.cancelTitle")}
          text={asking === "dispute" ? t("request.disputeText") : t("request.cancelText")}
          submitLabel={tc(`action.${asking}`)}
          closeLabel={asking === "dispute" ? tc("common.cancel") : t("request.keep")}
          required={asking === "dispute"}
          busy={action.isPending}
          onClose={() => { setAsking(null); }}
          onSubmit={(reason) => {
            action.mutate({ action: asking, ...(reason ? { reason } : {}) }, done(asking));
          }}
        />
      )}
    </Paper>
  );
}
