import CloseIcon from "@mui/icons-material/Close";
import OpenInNewIcon from "@mui/icons-material/OpenInNew";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Divider from "@mui/material/Divider";
import Drawer from "@mui/material/Drawer";
import IconButton from "@mui/material/IconButton";
import Link from "@mui/material/Link";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { StateChip } from "../../components/StateChip";
import { Attachments } from "./Attachments";
import { History, known } from "./History";
import { Offers } from "./Offers";
import { SlaCountdown } from "./SlaCountdown";
import { useRequest, useWebConfig, workflowUrl, type RequestView } from "./queueApi";
import { useCategoryLabel } from "../../requests/categories";

const SLA_STAGES = ["assign", "accept", "start", "complete", "auto_confirm"] as const;

export type DialogKind = "assign" | "reassign" | "resolve" | "withdraw" | "cancel";
// The order of the drawer's buttons: the constructive moves first, cancelling last.
export const DIALOG_ACTIONS: readonly DialogKind[] = ["assign", "reassign", "resolve", "withdraw", "cancel"];

// The API names a dispute's two outcomes as its actions (resolve_rework, resolve_accept);
// one dialog offers both.
const ACTIONS_OF: Record<DialogKind, readonly string[]> = {
  assign: ["assign"],
  reassign: ["reassign"],
  resolve: ["resolve_rework", "resolve_accept"],
  withdraw: ["withdraw"],
  cancel: ["cancel"],
};

/** How a dialog's button looks: cancelling warns, a withdrawal steps back, the rest move on. */
function buttonLook(kind: DialogKind): { variant: "outlined" | "contained"; color: "error" | "primary" } {
  if (kind === "cancel") return { variant: "outlined", color: "error" };
  if (kind === "withdraw") return { variant: "outlined", color: "primary" };
  return { variant: "contained", color: "primary" };
}

/** Whether the API lets the caller take this dialog's action on the request now. */
export function mayOpen(kind: DialogKind, request: Pick<RequestView, "actions">): boolean {
  return ACTIONS_OF[kind].some((action) => request.actions.includes(action));
}

interface Props {
  requestId: string;
  /** The row from the grid, shown until the request itself arrives. */
  row: RequestView | undefined;
  assigneeName: (id: string | null) => string;
  onClose: () => void;
  onAction: (kind: DialogKind, request: RequestView) => void;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box component="div" sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "10rem 1fr" }, gap: { xs: 0, sm: 1 } }}>
      <Typography component="dt" variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }}>
        {children}
      </Typography>
    </Box>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-labelledby={id}>
      <Typography id={id} component="h3" variant="subtitle1" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

export function RequestDrawer({ requestId, row, assigneeName, onClose, onAction }: Props) {
  const { t, i18n } = useTranslation("manager");
  const categoryName = useCategoryLabel();
  const { t: tc } = useTranslation();
  const query = useRequest(requestId);
  const config = useWebConfig();
  const request = query.data ?? row;
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(i18n.language) : "—");
  const actions = request ? DIALOG_ACTIONS.filter((a) => mayOpen(a, request)) : [];
  // Absent from older answers: the same as a category assigned by hand.
  const dispatch = request?.dispatch ?? null;

  return (
    <Drawer
      anchor="right"
      open
      onClose={onClose}
      slotProps={{ paper: { sx: { width: { xs: "100%", sm: 480, md: 560 } }, "aria-labelledby": "request-drawer-title" } }}
    >
      <Stack spacing={2} sx={{ p: 2 }} data-testid="request-drawer">
        <Stack direction="row" sx={{ alignItems: "center", gap: 1 }}>
          <Typography id="request-drawer-title" component="h2" variant="h6" sx={{ flexGrow: 1, minWidth: 0 }} noWrap>
            {t("drawer.label")} {requestId.slice(0, 8)}
          </Typography>
          {request && <StateChip state={request.state} />}
          <IconButton onClick={onClose} aria-label={t("drawer.close")}>
            <CloseIcon />
          </IconButton>
        </Stack>
        {query.error && !request ? <ProblemAlert error={query.error} /> : null}
        {!request && !query.error && <Skeleton variant="rectangular" height={200} />}
        {request && (
          <>
            <Box aria-label={t("drawer.actions")} role="group" sx={{ display: "flex", gap: 1, flexWrap: "wrap" }}>
              {actions.length === 0 ? (
                <Typography variant="body2" color="text.secondary">{t("drawer.noActions")}</Typography>
              ) : (
                actions.map((a) => (
                  <Button key={a} {...buttonLook(a)} onClick={() => { onAction(a, request); }}>
                    {tc(`action.${a}`)}
                  </Button>
                ))
              )}
            </Box>
            {request.paperwork_failed && <Alert severity="warning">{t("drawer.paperworkFailed")}</Alert>}
            {dispatch === "escalated" && <Alert severity="warning">{t("drawer.escalated")}</Alert>}
            <Section id="drawer-details" title={t("drawer.details")}>
              <Box component="dl" sx={{ m: 0, display: "grid", gap: 1 }}>
                <Field label={t("drawer.category")}>{categoryName(request.category)}</Field>
                <Field label={t("drawer.address")}>{request.address}</Field>
                <Field label={t("drawer.description")}>{request.description}</Field>
                <Field label={t("drawer.assignee")}>{assigneeName(request.assignee_id)}</Field>
                {dispatch && <Field label={t("drawer.dispatch")}>{t(`dispatch.state.${dispatch}`)}</Field>}
                <Field label={t("drawer.sla")}>
                  <SlaCountdown request={request} />
                </Field>
                {request.sla_stage && (
                  <Field label={t("drawer.slaStage")}>
                    {known(SLA_STAGES, request.sla_stage) ? t(`slaStage.${request.sla_stage}`) : request.sla_stage}
                  </Field>
                )}
                {(request.window_start ?? request.window_end) && (
                  <Field label={t("drawer.window")}>{`${when(request.window_start)} – ${when(request.window_end)}`}</Field>
                )}
                {request.budget && <Field label={t("drawer.budget")}>{request.budget}</Field>}
                {request.report && <Field label={t("drawer.report")}>{request.report}</Field>}
                <Field label={t("drawer.created")}>{when(request.created_at)}</Field>
                <Field label={t("drawer.updated")}>{when(request.updated_at)}</Field>
              </Box>
            </Section>
            {config.data && (
              <Link href={workflowUrl(config.data, request.id)} target="_blank" rel="noopener noreferrer" sx={{ display: "inline-flex", alignItems: "center", gap: 0.5 }}>
                {t("drawer.workflow")}
                <OpenInNewIcon fontSize="small" aria-hidden />
              </Link>
            )}
            {dispatch && (
              <>
                <Divider />
                <Section id="drawer-offers" title={t("drawer.offers")}>
                  <Offers requestId={request.id} />
                </Section>
              </>
            )}
            <Divider />
            <Section id="drawer-attachments" title={t("drawer.attachments")}>
              <Attachments requestId={request.id} />
            </Section>
            <Divider />
            <Section id="drawer-history" title={t("drawer.history")}>
              <History requestId={request.id} />
            </Section>
          </>
        )}
      </Stack>
    </Drawer>
  );
}
