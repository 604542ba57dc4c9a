import Container from "@mui/material/Container";
import Paper from "@mui/material/Paper";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";

import { useAuth } from "./AuthProvider";
import { SignInForm } from "./SignInForm";

export default function SignInPage() {
  const { t } = useTranslation();
  const { status } = useAuth();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  if (status === "signed-in") return <Navigate to={from} replace />;
  return (
    <Container component="main" id="main" maxWidth="xs" sx={{ mt: 8 }}>
      <Paper sx={{ p: 4 }}>
        <Typography component="h1" variant="h5" gutterBottom>
          {t("app.title")} — {t("signIn.title")}
        </Typography>
        <SignInForm />
      </Paper>
    </Container>
  );
}
