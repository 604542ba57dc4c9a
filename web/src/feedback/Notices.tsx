import Alert from "@mui/material/Alert";
import Snackbar from "@mui/material/Snackbar";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { notices, type Notice } from "./notices";
import { problemMessage } from "./problemMessage";

export function Notices() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState<Notice | null>(null);
  useEffect(() => notices.subscribe(setCurrent), []);
  if (!current) return null;
  const text = current.text ?? problemMessage(current.error, t);
  return (
    <Snackbar
      key={current.id}
      open
      autoHideDuration={current.severity === "error" ? 8000 : 3000}
      onClose={() => { setCurrent(null); }}
      anchorOrigin={{ vertical: "bottom", horizontal: "center" }}
    >
      <Alert severity={current.severity} role={current.severity === "error" ? "alert" : "status"} onClose={() => { setCurrent(null); }}>
        {text}
      </Alert>
    </Snackbar>
  );
}
