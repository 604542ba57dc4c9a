import Dialog from "@mui/material/Dialog";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import { useTranslation } from "react-i18next";

import { useAuth } from "./AuthProvider";
import { SignInForm } from "./SignInForm";

/** Over the page, not instead of it: forms underneath keep what the user typed. */
export function ExpiredSessionDialog() {
  const { t } = useTranslation();
  const { expired, user } = useAuth();
  return (
    <Dialog open={expired} aria-labelledby="expired-title">
      <DialogTitle id="expired-title">{t("signIn.expiredTitle")}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>{t("signIn.expiredText")}</DialogContentText>
        <SignInForm {...(user ? { email: user.email } : {})} />
      </DialogContent>
    </Dialog>
  );
}
