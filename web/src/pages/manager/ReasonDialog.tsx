// Cancelling, resolving a dispute and withdrawing a request from its executor: each takes
// a reason, which goes into the request's history for the customer and the executor to
// read. Cancelling and resolving are final decisions and must say why; a withdrawal only
// puts the request back in the queue (the dispatcher's mirror of an executor's decline),
// so its reason is optional, as the decline's is.
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormLabel from "@mui/material/FormLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useRequestAction, type ActionCall } from "../../requests/useRequestAction";
import type { RequestView } from "./queueApi";

interface Props {
  kind: "cancel" | "resolve" | "withdraw";
  request: RequestView;
  onClose: () => void;
}

export function ReasonDialog({ kind, request, onClose }: Props) {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const action = useRequestAction(request.id, { quiet: true });
  const [outcome, setOutcome] = useState<"rework" | "accept">("rework");
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const required = kind !== "withdraw";
  const missing = required && reason.trim() === "";

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (missing) return;
    const text = reason.trim();
    const call: ActionCall =
      kind === "resolve"
        ? { action: "resolve", outcome, reason: text }
        : kind === "cancel"
          ? { action: "cancel", reason: text }
          : { action: "withdraw", ...(text ? { reason: text } : {}) };
    action.mutate(call, {
      onSuccess: () => {
        notices.say(t(`done.${kind}`));
        onClose();
      },
    });
  };

  const titleId = `${kind}-title`;
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle id={titleId}>{t(`${kind}.title`)}</DialogTitle>
        <DialogContent dividers>
          <Stack spacing={2}>
            <ProblemAlert error={action.error} />
            {kind === "withdraw" && <Typography variant="body2">{t("withdraw.hint")}</Typography>}
            {kind === "resolve" && (
              <FormControl>
                <FormLabel id="resolve-outcome">{t("resolve.outcome")}</FormLabel>
                <RadioGroup
                  aria-labelledby="resolve-outcome"
                  value={outcome}
                  onChange={(e) => { setOutcome(e.target.value === "accept" ? "accept" : "rework"); }}
                >
                  <FormControlLabel value="rework" control={<Radio />} label={t("resolve.rework")} />
                  <FormControlLabel value="accept" control={<Radio />} label={t("resolve.accept")} />
                </RadioGroup>
              </FormControl>
            )}
            <TextField
              label={required ? t("reason") : t("reasonOptional")}
              value={reason}
              onChange={(e) => { setReason(e.target.value); }}
              required={required}
              multiline
              minRows={2}
              autoFocus
              slotProps={{ htmlInput: { maxLength: 1000 } }}
              error={tried && missing}
              helperText={tried && missing ? t("reasonRequired") : " "}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{kind === "cancel" ? t("cancel.keep") : tc("common.cancel")}</Button>
          <Button type="submit" variant="contained" color={kind === "cancel" ? "error" : "primary"} disabled={action.isPending}>
            {t(`${kind}.submit`)}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
