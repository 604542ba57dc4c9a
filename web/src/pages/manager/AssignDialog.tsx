import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemText from "@mui/material/ListItemText";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useRequestAction } from "../../requests/useRequestAction";
import { candidatesFor, type Candidate } from "./eligibility";
import { useExecutors, type RequestView } from "./queueApi";

interface Props {
  request: RequestView;
  onClose: () => void;
}

export function AssignDialog({ request, onClose }: Props) {
  const { t, i18n } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const executors = useExecutors();
  const action = useRequestAction(request.id, { quiet: true });
  const [chosen, setChosen] = useState<string | null>(null);
  const [openedAt] = useState(() => Date.now());
  const { eligible, others } = useMemo(
    () => candidatesFor(request.category, executors.data ?? [], openedAt),
    [request.category, executors.data, openedAt],
  );
  const date = (iso: string) => new Date(iso).toLocaleDateString(i18n.language);

  const detail = (c: Candidate) => {
    const e = c.executor;
    const parts = [t("assign.load", { count: e.active_jobs })];
    if (e.verified_until) parts.push(t("assign.verifiedUntil", { date: date(e.verified_until) }));
    if (e.verification_status !== "verified") parts.push(t("assign.reverifying"));
    if (e.service_area) parts.push(e.service_area);
    return parts.join(" · ");
  };

  const submit = () => {
    if (!chosen) return;
    action.mutate(
      { action: "assign", executorId: chosen },
      {
        onSuccess: () => {
          notices.say(t("done.assign"));
          onClose();
        },
      },
    );
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby="assign-title" fullWidth maxWidth="sm">
      <DialogTitle id="assign-title">{t("assign.title")}</DialogTitle>
      <DialogContent dividers>
        <Stack spacing={2}>
          <Typography variant="body2">{t("assign.category", { category: request.category })}</Typography>
          <ProblemAlert error={executors.error} />
          <ProblemAlert error={action.error} />
          <section aria-labelledby="assign-eligible">
            <Typography id="assign-eligible" component="h3" variant="subtitle1">
              {t("assign.eligible")}
            </Typography>
            {executors.isPending ? (
              <Skeleton variant="rectangular" height={96} />
            ) : eligible.length === 0 ? (
              <Alert severity="info">{t("assign.none")}</Alert>
            ) : (
              <List dense aria-labelledby="assign-eligible">
                {eligible.map((c) => (
                  <ListItem key={c.executor.id} disablePadding>
                    <ListItemButton
                      selected={chosen === c.executor.id}
                      aria-pressed={chosen === c.executor.id}
                      onClick={() => { setChosen(c.executor.id); }}
                    >
                      <ListItemText primary={c.executor.full_name} secondary={detail(c)} />
                      {!c.executor.available && <Chip size="small" label={t("assign.unavailable")} />}
                    </ListItemButton>
                  </ListItem>
                ))}
              </List>
            )}
          </section>
          {others.length > 0 && (
            <section aria-labelledby="assign-others">
              <Typography id="assign-others" component="h3" variant="subtitle1">
                {t("assign.others")}
              </Typography>
              <List dense aria-labelledby="assign-others">
                {others.map((c) => (
                  <ListItem key={c.executor.id} data-testid="ineligible">
                    <ListItemText
                      primary={c.executor.full_name}
                      secondary={c.reasons.map((r) => t(`assign.reasons.${r}`, { category: request.category })).join("; ")}
                    />
                  </ListItem>
                ))}
              </List>
            </section>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{tc("common.cancel")}</Button>
        <Button variant="contained" onClick={submit} disabled={!chosen || action.isPending}>
          {chosen ? t("assign.submit") : t("assign.choose")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
