import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import TextField from "@mui/material/TextField";
import { useId, useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";

// As the API takes it (api/schemas.py Reason).
const REASON_MAX = 1000;

export interface ReasonDialogProps {
  open: boolean;
  title: string;
  text: string;
  submitLabel: string;
  closeLabel: string;
  required: boolean;
  busy: boolean;
  onSubmit: (reason: string) => void;
  onClose: () => void;
}

/** Asks why before a dispute (required) or a cancel (optional); mounted per use, so it opens empty. */
export function ReasonDialog({ open, title, text, submitLabel, closeLabel, required, busy, onSubmit, onClose }: ReasonDialogProps) {
  const { t } = useTranslation("customer");
  const titleId = useId();
  const textId = useId();
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const trimmed = reason.trim();
    if (required && !trimmed) {
      setProblem(t("request.reasonRequired"));
      return;
    }
    if (trimmed.length > REASON_MAX) {
      setProblem(t("request.reasonLong", { max: REASON_MAX }));
      return;
    }
    onSubmit(trimmed);
  };

  return (
    <Dialog
      open={open}
      onClose={busy ? undefined : onClose}
      aria-labelledby={titleId}
      aria-describedby={textId}
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id={titleId}>{title}</DialogTitle>
      <Box component="form" onSubmit={submit} noValidate>
      <DialogContent>
        <DialogContentText id={textId} sx={{ mb: 2 }}>
          {text}
        </DialogContentText>
        <TextField
          autoFocus
          fullWidth
          multiline
          minRows={3}
          required={required}
          label={required ? t("request.reason") : t("request.reasonOptional")}
          value={reason}
          onChange={(event) => {
            setReason(event.target.value);
            setProblem(null);
          }}
          error={problem !== null}
          helperText={problem ?? `${reason.trim().length} / ${REASON_MAX}`}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          {closeLabel}
        </Button>
        <Button type="submit" variant="contained" color={required ? "primary" : "error"} disabled={busy}>
          {submitLabel}
        </Button>
      </DialogActions>
      </Box>
    </Dialog>
  );
}
