import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../api/problem";
import { problemMessage } from "../feedback/problemMessage";
import { useAuth } from "./AuthProvider";

export function SignInForm({ email: knownEmail, onDone }: { email?: string; onDone?: () => void }) {
  const { t } = useTranslation();
  const { signIn } = useAuth();
  const [email, setEmail] = useState(knownEmail ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
      onDone?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack component="form" spacing={2} onSubmit={(event) => void submit(event)} noValidate>
      {error !== null && (
        <Alert severity="error" role="alert">
          {error instanceof ApiError && error.status === 401 ? t("signIn.failed") : problemMessage(error, t)}
        </Alert>
      )}
      <TextField
        label={t("signIn.email")}
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => { setEmail(e.target.value); }}
        required
        autoFocus={!knownEmail}
      />
      <TextField
        label={t("signIn.password")}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => { setPassword(e.target.value); }}
        required
        autoFocus={Boolean(knownEmail)}
      />
      <Button type="submit" variant="contained" disabled={busy || !email || !password}>
        {t("signIn.submit")}
      </Button>
    </Stack>
  );
}
