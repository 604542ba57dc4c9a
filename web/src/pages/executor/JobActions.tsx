// Big buttons for exactly the actions the API lists for the job now. While an action of
// this job waits in the outbox, it is shown instead, so nobody presses twice.
import CloudUploadIcon from "@mui/icons-material/CloudUpload";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/problem";
import { problemMessage } from "../../feedback/problemMessage";
import type { RequestView } from "../../requests/useRequestAction";
import { CompleteDialog } from "./CompleteDialog";
import { DeclineDialog } from "./DeclineDialog";
import type { JobCall, OutboxEntry } from "./outbox";
import type { Outbox } from "./useOutbox";

const JOB_ACTIONS = ["accept", "start", "complete", "decline"] as const;
type JobAction = (typeof JOB_ACTIONS)[number];

const BUTTON_SX = { minHeight: 56, fontSize: "1.05rem" } as const;

export function JobActions({ job, outbox }: { job: RequestView; outbox: Outbox }) {
  const { t } = useTranslation("executor");
  const [dialog, setDialog] = useState<"decline" | "complete" | null>(null);
  const waiting = outbox.entries.filter((entry) => entry.requestId === job.id);
  const allowed = JOB_ACTIONS.filter((action) => job.actions.includes(action));

  if (waiting.length > 0) {
    return (
      <Stack spacing={1}>
        {waiting.map((entry) => (
          <WaitingEntry key={entry.key} entry={entry} outbox={outbox} />
        ))}
      </Stack>
    );
  }

  const press = (action: JobAction) => {
    if (action === "decline" || action === "complete") {
      setDialog(action);
      return;
    }
    void outbox.submit(job.id, { action });
  };
  const send = (call: JobCall, photos?: Parameters<Outbox["submit"]>[2]) => {
    setDialog(null);
    void outbox.submit(job.id, call, photos);
  };

  return (
    <>
      {allowed.length === 0 ? (
        <Typography color="text.secondary">{t("jobs.noActions")}</Typography>
      ) : (
        <Stack spacing={1.5} role="group" aria-label={t("jobs.actions")}>
          {allowed.map((action) => (
            <Button
              key={action}
              variant={action === "decline" ? "outlined" : "contained"}
              color={action === "decline" ? "error" : "primary"}
              size="large"
              fullWidth
              sx={BUTTON_SX}
              onClick={() => {
                press(action);
              }}
            >
              {t(`action.${action}`, { ns: "common" })}
            </Button>
          ))}
        </Stack>
      )}
      <DeclineDialog
        open={dialog === "decline"}
        onClose={() => {
          setDialog(null);
        }}
        onSubmit={(reason) => {
          send(reason ? { action: "decline", reason } : { action: "decline" });
        }}
      />
      <CompleteDialog
        open={dialog === "complete"}
        onClose={() => {
          setDialog(null);
        }}
        onSubmit={(report, photos) => {
          send({ action: "complete", report }, photos);
        }}
      />
    </>
  );
}

function WaitingEntry({ entry, outbox }: { entry: OutboxEntry; outbox: Outbox }) {
  const { t } = useTranslation("executor");
  const { t: tc } = useTranslation();
  const action = t(`action.${entry.call.action}`, { ns: "common" });
  if (!entry.refusal) {
    return (
      <Chip
        icon={<CloudUploadIcon />}
        color="warning"
        variant="outlined"
        label={t("outbox.waiting", { action })}
        sx={{ alignSelf: "flex-start", height: "auto", py: 0.75, "& .MuiChip-label": { whiteSpace: "normal" } }}
      />
    );
  }
  return (
    <Stack spacing={1}>
      <Alert severity="error" role="alert">
        <AlertTitle>{t("outbox.refused", { action })}</AlertTitle>
        {problemMessage(new ApiError(entry.refusal.status, entry.refusal.problem), tc)}
      </Alert>
      {entry.call.action === "complete" && (
        <Typography variant="body2" sx={{ whiteSpace: "pre-wrap" }}>
          {t("outbox.reportWas", { report: entry.call.report })}
        </Typography>
      )}
      <Button
        variant="outlined"
        size="large"
        sx={BUTTON_SX}
        onClick={() => {
          void outbox.dismiss(entry.key);
        }}
      >
        {t("outbox.dismiss")}
      </Button>
    </Stack>
  );
}
