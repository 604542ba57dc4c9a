import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import TextField from "@mui/material/TextField";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { useCompactDialog } from "./useCompactDialog";

interface Props {
  open: boolean;
  onClose: () => void;
  onSubmit: (reason: string) => void;
}

export function DeclineDialog({ open, onClose, onSubmit }: Props) {
  const { t } = useTranslation("executor");
  const titleId = useId();
  const [reason, setReason] = useState("");
  const fullScreen = useCompactDialog();

  return (
    <Dialog open={open} onClose={onClose} fullScreen={fullScreen} fullWidth maxWidth="sm" aria-labelledby={titleId}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit(reason.trim());
          setReason("");
        }}
      >
        <DialogTitle id={titleId}>{t("decline.title")}</DialogTitle>
        <DialogContent>
          <TextField
            label={t("decline.reason")}
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
            }}
            multiline
            minRows={2}
            fullWidth
            margin="dense"
            slotProps={{ htmlInput: { maxLength: 2000 } }}
          />
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2, gap: 1 }}>
          <Button size="large" onClick={onClose}>
            {t("common.cancel", { ns: "common" })}
          </Button>
          <Button size="large" type="submit" variant="contained" color="error">
            {t("decline.submit")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
