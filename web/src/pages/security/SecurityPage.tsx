// The security officers' desk: executors by verification state, one executor's checks,
// and the officer's decision once the automated checks leave it to a person.
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip, { type ChipProps } from "@mui/material/Chip";
import Link from "@mui/material/Link";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import TableCell from "@mui/material/TableCell";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useLocation, useParams, useSearchParams } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useUser, type Role } from "../../auth/AuthProvider";
import { notices } from "../../feedback/notices";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { PageLoading } from "../../layout/PageLoading";
import { useFormats } from "../../format";
import { DataTable, LoadMore, Panel } from "../hr/deskParts";

type Verification = components["schemas"]["VerificationPublic"];
type Check = components["schemas"]["CheckPublic"];

// The states GET /verifications filters by (api/routes/verification.py).
export const VERIFICATION_STATES = ["awaiting_decision", "checking", "unverified", "verified", "rejected", "expired"] as const;
type VerificationState = (typeof VERIFICATION_STATES)[number];
const ALL = "all";
const DEFAULT_STATE: VerificationState = "awaiting_decision";
const PAGE_SIZE = 50;
// Only officers decide; an admin sees the queue but does not judge identities.
const DECIDERS: readonly Role[] = ["security", "head_security"];
const KNOWN_CHECKS = ["inn", "passport", "age", "self_employed"] as const;

const STATE_COLOR: Record<VerificationState, ChipProps["color"]> = {
  awaiting_decision: "warning",
  checking: "info",
  unverified: "default",
  verified: "success",
  rejected: "error",
  expired: "default",
};

function isVerificationState(value: string): value is VerificationState {
  return (VERIFICATION_STATES as readonly string[]).includes(value);
}

function VerificationChip({ state }: { state: string }) {
  const { t } = useTranslation("desks");
  const known = isVerificationState(state);
  return (
    <Chip
      size="small"
      label={known ? t(`verificationState.${state}`) : state}
      color={known ? STATE_COLOR[state] : "default"}
      data-state={state}
    />
  );
}

export default function SecurityPage() {
  const { t } = useTranslation("desks");
  const { executorId } = useParams();
  return (
    <Stack spacing={2}>
      <Typography component="h1" variant="h5">
        {t("security.title")}
      </Typography>
      <Box
        sx={{
          display: "grid",
          gap: 2,
          alignItems: "start",
          gridTemplateColumns: { xs: "minmax(0, 1fr)", lg: executorId ? "minmax(0, 1fr) minmax(0, 1fr)" : "minmax(0, 1fr)" },
        }}
      >
        <VerificationQueue selected={executorId} />
        {executorId && <VerificationDetail key={executorId} executorId={executorId} />}
      </Box>
    </Stack>
  );
}

function VerificationQueue({ selected }: { selected: string | undefined }) {
  const { t } = useTranslation("desks");
  const { day } = useFormats();
  const [search, setSearch] = useSearchParams();
  const chosen = search.get("state") ?? DEFAULT_STATE;
  const state = isVerificationState(chosen) ? chosen : undefined;
  const queue = useInfiniteQuery({
    queryKey: ["verifications", state ?? ALL],
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/verifications", { params: { query: { state, limit: PAGE_SIZE, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const rows = queue.data?.pages.flatMap((page) => page.items) ?? [];
  const suffix = search.size ? `?${search.toString()}` : "";

  return (
    <Panel
      id="queue-heading"
      title={t("security.queue")}
      status={queue}
      tools={
        <TextField
          select
          size="small"
          label={t("security.stateFilter")}
          value={state ?? ALL}
          onChange={(event) => {
            setSearch((previous) => {
              const next = new URLSearchParams(previous);
              next.set("state", event.target.value);
              return next;
            });
          }}
          sx={{ minWidth: 220 }}
        >
          {VERIFICATION_STATES.map((value) => (
            <MenuItem key={value} value={value}>
              {t(`verificationState.${value}`)}
            </MenuItem>
          ))}
          <MenuItem value={ALL}>{t("security.allStates")}</MenuItem>
        </TextField>
      }
    >
      {queue.isSuccess && rows.length === 0 && <Typography color="text.secondary">{t("security.emptyQueue")}</Typography>}
      {rows.length > 0 && (
        <DataTable
          labelledBy="queue-heading"
          columns={[
            { label: t("security.executor") },
            { label: t("security.state") },
            { label: t("security.verifiedUntil") },
            { label: t("security.reason") },
          ]}
        >
          {rows.map((row) => (
            <TableRow key={row.executor_id} selected={row.executor_id === selected}>
              <TableCell>
                <Link
                  component={RouterLink}
                  to={`/security/${row.executor_id}${suffix}`}
                  aria-current={row.executor_id === selected ? "page" : undefined}
                >
                  {row.full_name}
                </Link>
                <Typography variant="body2" color="text.secondary" sx={{ wordBreak: "break-all" }}>
                  {row.email}
                </Typography>
              </TableCell>
              <TableCell>
                <VerificationChip state={row.state} />
              </TableCell>
              <TableCell>{row.verified_until ? day(row.verified_until) : "—"}</TableCell>
              <TableCell>{row.reason || "—"}</TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      <LoadMore query={queue} />
    </Panel>
  );
}

function checkName(name: string, t: ReturnType<typeof useTranslation<"desks">>["t"]): string {
  return (KNOWN_CHECKS as readonly string[]).includes(name) ? t(`check.${name as (typeof KNOWN_CHECKS)[number]}`) : name;
}

function CheckRow({ check }: { check: Check }) {
  const { t } = useTranslation("desks");
  const outcome = !check.checked ? "notChecked" : check.passed ? "passed" : "failed";
  const color: ChipProps["color"] = outcome === "passed" ? "success" : outcome === "failed" ? "error" : "warning";
  return (
    <TableRow>
      <TableCell>{checkName(check.name, t)}</TableCell>
      <TableCell>
        <Chip size="small" variant="outlined" color={color} label={t(`check.${outcome}`)} data-outcome={outcome} />
      </TableCell>
      <TableCell>{check.detail || "—"}</TableCell>
    </TableRow>
  );
}

function VerificationDetail({ executorId }: { executorId: string }) {
  const { t } = useTranslation("desks");
  const { day } = useFormats();
  const user = useUser();
  const { search } = useLocation();
  const verification = useQuery({
    queryKey: ["verification", executorId],
    queryFn: async () =>
      unwrap(await api.GET("/executors/{executor_id}/verification", { params: { path: { executor_id: executorId } } })),
    // The automated checks take a moment: watch them finish.
    refetchInterval: (query) => (query.state.data?.state === "checking" ? 5000 : false),
  });
  const executor = useQuery({
    queryKey: ["executor", executorId],
    queryFn: async () => unwrap(await api.GET("/executors/{executor_id}", { params: { path: { executor_id: executorId } } })),
  });
  const view = verification.data;
  const person = executor.data;

  return (
    <Paper component="section" aria-labelledby="verification-heading" sx={{ p: 2 }}>
      <Stack spacing={2}>
        <Box>
          <Typography id="verification-heading" component="h2" variant="h6">
            {person?.full_name ?? t("security.verification")}
          </Typography>
          {person && (
            <Typography variant="body2" color="text.secondary">
              {[person.email, person.service_area, person.skills.join(", ")].filter(Boolean).join(" · ")}
            </Typography>
          )}
          <Link component={RouterLink} to={{ pathname: "/security", search }} variant="body2">
            {t("security.backToQueue")}
          </Link>
        </Box>
        {verification.isPending && <PageLoading />}
        <ProblemAlert error={verification.error} />
        {view && (
          <>
            <Box component="dl" sx={{ display: "grid", gridTemplateColumns: "auto 1fr", columnGap: 2, rowGap: 1, m: 0, "& dd": { m: 0 } }}>
              <dt>{t("security.state")}</dt>
              <dd>
                <VerificationChip state={view.state} />
              </dd>
              <dt>{t("security.round")}</dt>
              <dd>{view.round}</dd>
              <dt>{t("security.verifiedUntil")}</dt>
              <dd>{view.verified_until ? day(view.verified_until) : "—"}</dd>
              {view.reason && (
                <>
                  <dt>{t("security.reason")}</dt>
                  <dd>{view.reason}</dd>
                </>
              )}
              {view.decided_by && (
                <>
                  <dt>{t("security.decidedBy")}</dt>
                  <dd>{view.decided_by}</dd>
                </>
              )}
            </Box>
            {view.escalated && <Alert severity="warning" role="status">{t("security.escalated")}</Alert>}
            <Typography id="checks-heading" component="h3" variant="subtitle1">
              {t("security.checks")}
            </Typography>
            {view.checks.length === 0 ? (
              <Typography color="text.secondary">{t("security.noChecks")}</Typography>
            ) : (
              <DataTable
                labelledBy="checks-heading"
                columns={[{ label: t("check.name") }, { label: t("check.outcome") }, { label: t("check.detail") }]}
              >
                {view.checks.map((check) => (
                  <CheckRow key={check.name} check={check} />
                ))}
              </DataTable>
            )}
            <Typography variant="body2" color="text.secondary">
              {t("security.noScans")}
            </Typography>
            {view.state === "awaiting_decision" ? (
              DECIDERS.includes(user.role) ? (
                <DecisionForm executorId={executorId} />
              ) : (
                <Alert severity="info" role="status">{t("security.officersDecide")}</Alert>
              )
            ) : (
              <Typography color="text.secondary">{t("security.noDecisionNow")}</Typography>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}

function DecisionForm({ executorId }: { executorId: string }) {
  const { t } = useTranslation("desks");
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const decide = useMutation({
    mutationFn: async (approved: boolean) =>
      unwrap(
        await api.POST("/executors/{executor_id}/verification/decision", {
          params: { path: { executor_id: executorId } },
          body: { approved, reason: reason.trim() },
        }),
      ),
    onSuccess: (view: Verification, approved) => {
      queryClient.setQueryData(["verification", executorId], view);
      void queryClient.invalidateQueries({ queryKey: ["verifications"] });
      notices.say(t(approved ? "security.approvedNotice" : "security.rejectedNotice"));
    },
    // Shown in the form; a 409 means someone else decided, so the view is read again.
    onError: () => {
      void queryClient.invalidateQueries({ queryKey: ["verification", executorId] });
    },
  });

  const submit = (approved: boolean) => {
    if (!approved && !reason.trim()) {
      setMissing(true);
      field.current?.focus();
      return;
    }
    decide.mutate(approved);
  };

  return (
    <Box component="form" aria-labelledby="decision-heading" noValidate onSubmit={(event) => { event.preventDefault(); }}>
      <Stack spacing={2}>
        <Typography id="decision-heading" component="h3" variant="subtitle1">
          {t("security.decision")}
        </Typography>
        <TextField
          inputRef={field}
          label={t("security.reason")}
          value={reason}
          onChange={(event) => {
            setReason(event.target.value);
            if (event.target.value.trim()) setMissing(false);
          }}
          multiline
          minRows={2}
          error={missing}
          helperText={missing ? t("security.reasonRequired") : t("security.reasonHint")}
          slotProps={{ htmlInput: { maxLength: 1000 } }}
        />
        <ProblemAlert error={decide.error} />
        <Stack direction="row" spacing={2}>
          <Button variant="contained" color="success" disabled={decide.isPending} onClick={() => { submit(true); }}>
            {t("security.approve")}
          </Button>
          <Button variant="outlined" color="error" disabled={decide.isPending} onClick={() => { submit(false); }}>
            {t("security.reject")}
          </Button>
        </Stack>
      </Stack>
    </Box>
  );
}
