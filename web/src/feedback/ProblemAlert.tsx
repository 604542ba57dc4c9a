import Alert from "@mui/material/Alert";
import { useTranslation } from "react-i18next";

import { problemMessage } from "./problemMessage";

export function ProblemAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert severity="error" role="alert">
      {problemMessage(error, t)}
    </Alert>
  );
}
