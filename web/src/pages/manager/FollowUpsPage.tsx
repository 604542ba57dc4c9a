// Customers to call back after a low rating: the open follow-ups, newest first, each
// marked done with a note of what was agreed.
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import CircularProgress from "@mui/material/CircularProgress";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Link from "@mui/material/Link";
import Rating from "@mui/material/Rating";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useFormats } from "../../format";

type FollowUp = components["schemas"]["FollowUpPublic"];

const followUpsKey = ["follow-ups", { open: true }] as const;

export default function FollowUpsPage() {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const [closing, setClosing] = useState<FollowUp | null>(null);
  const query = useQuery({
    queryKey: followUpsKey,
    queryFn: async () => unwrap(await api.GET("/follow-ups", { params: { query: { open: true } } })),
  });

  return (
    <Box sx={{ maxWidth: 960, mx: "auto" }}>
      <Stack spacing={2}>
        <Typography component="h1" variant="h5">
          {t("followUps.title")}
        </Typography>
        {query.isPending ? (
          <CircularProgress aria-label={tc("app.loading")} />
        ) : query.isError ? (
          <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
            <ProblemAlert error={query.error} />
            <Button onClick={() => void query.refetch()}>{tc("common.retry")}</Button>
          </Stack>
        ) : query.data.length === 0 ? (
          <Typography color="text.secondary">{t("followUps.empty")}</Typography>
        ) : (
          <Stack component="ul" spacing={1.5} sx={{ listStyle: "none", p: 0, m: 0 }} aria-label={t("followUps.title")}>
            {query.data.map((item) => (
              <FollowUpCard key={item.id} item={item} onDone={() => { setClosing(item); }} />
            ))}
          </Stack>
        )}
      </Stack>
      {closing && <DoneDialog item={closing} onClose={() => { setClosing(null); }} />}
    </Box>
  );
}

function FollowUpCard({ item, onDone }: { item: FollowUp; onDone: () => void }) {
  const { t } = useTranslation("manager");
  const formats = useFormats();
  const headingId = `follow-up-${item.id}`;
  return (
    <Card component="li" variant="outlined" aria-labelledby={headingId} data-testid="follow-up">
      <CardContent>
        <Stack spacing={1}>
          <Stack direction="row" sx={{ alignItems: "center", justifyContent: "space-between", flexWrap: "wrap", gap: 1 }}>
            <Typography id={headingId} component="h2" variant="h6">
              {item.customer_name}
            </Typography>
            <Rating value={item.score} readOnly getLabelText={() => t("followUps.score", { score: item.score })} />
          </Stack>
          <Typography sx={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} color={item.comment ? "text.primary" : "text.secondary"}>
            {item.comment || t("followUps.noComment")}
          </Typography>
          <Stack direction="row" sx={{ alignItems: "center", flexWrap: "wrap", gap: 2 }}>
            <Link component={RouterLink} to={`/queue/${item.request_id}`} aria-label={t("followUps.openRequest", { id: item.request_id.slice(0, 8) })}>
              {t("followUps.request", { id: item.request_id.slice(0, 8) })}
            </Link>
            <Typography variant="body2" color="text.secondary">
              {t("followUps.created", { at: formats.moment(item.created_at) })}
            </Typography>
            <Box sx={{ flexGrow: 1 }} />
            <Button variant="contained" onClick={onDone} aria-label={t("followUps.doneFor", { name: item.customer_name })}>
              {t("followUps.done")}
            </Button>
          </Stack>
        </Stack>
      </CardContent>
    </Card>
  );
}

function DoneDialog({ item, onClose }: { item: FollowUp; onClose: () => void }) {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const titleId = useId();
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const [missing, setMissing] = useState(false);
  const done = useMutation({
    mutationFn: async (text: string) =>
      unwrap(await api.POST("/follow-ups/{follow_up_id}/done", { params: { path: { follow_up_id: item.id } }, body: { note: text } })),
    onSuccess: () => {
      queryClient.setQueryData<FollowUp[]>(followUpsKey, (list) => list?.filter((other) => other.id !== item.id));
      void queryClient.invalidateQueries({ queryKey: ["follow-ups"] });
      notices.say(t("followUps.marked", { name: item.customer_name }));
      onClose();
    },
    // Shown in the dialog.
    onError: () => undefined,
  });

  return (
    <Dialog open onClose={done.isPending ? undefined : onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>{t("followUps.doneTitle", { name: item.customer_name })}</DialogTitle>
      <Box
        component="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const text = note.trim();
          if (!text) {
            setMissing(true);
            return;
          }
          done.mutate(text);
        }}
      >
        <DialogContent>
          <Stack spacing={2}>
            {done.isError && <ProblemAlert error={done.error} />}
            <TextField
              autoFocus
              fullWidth
              multiline
              minRows={3}
              required
              label={t("followUps.note")}
              value={note}
              error={missing}
              helperText={missing ? t("followUps.noteRequired") : t("followUps.noteHint")}
              onChange={(event) => {
                setNote(event.target.value);
                setMissing(false);
              }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={done.isPending}>
            {tc("common.cancel")}
          </Button>
          <Button type="submit" variant="contained" loading={done.isPending}>
            {t("followUps.done")}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
