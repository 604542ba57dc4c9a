// "Rate the work": the caller rates the request's other side (the customer the executor,
// the executor the customer; the server knows which from the caller). A rating may be
// changed until its editable_until, then it is shown read-only.
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Rating from "@mui/material/Rating";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { components } from "../api/schema";
import { ProblemAlert } from "../feedback/ProblemAlert";
import { notices } from "../feedback/notices";
import { useFormats } from "../format";
import type { RequestView } from "../requests/useRequestAction";

type RatingView = components["schemas"]["RatingPublic"];

// setTimeout takes at most a signed 32-bit delay.
const MAX_TIMEOUT = 2 ** 31 - 1;

const RATED_STATES: RequestView["state"][] = ["confirmed", "closed"];

export function mayRate(request: Pick<RequestView, "state">): boolean {
  return RATED_STATES.includes(request.state);
}

export const ratingsKey = (requestId: string) => ["ratings", requestId] as const;

export function RatingBlock({ requestId }: { requestId: string }) {
  const { t } = useTranslation();
  const ratings = useQuery({
    queryKey: ratingsKey(requestId),
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}/ratings", { params: { path: { request_id: requestId } } })),
  });
  // The customer and the executor get their own rating only.
  const own = ratings.data?.[0];

  return (
    <Paper component="section" sx={{ p: { xs: 2, sm: 3 } }} aria-labelledby={`rating-${requestId}`}>
      <Typography id={`rating-${requestId}`} component="h2" variant="h6" gutterBottom>
        {t("rating.title")}
      </Typography>
      {ratings.isPending ? (
        <Typography color="text.secondary">{t("app.loading")}</Typography>
      ) : ratings.isError ? (
        <ProblemAlert error={ratings.error} />
      ) : (
        <OwnRating key={own?.updated_at ?? "new"} requestId={requestId} rating={own} />
      )}
    </Paper>
  );
}

/** The form while the rating may change, then read-only; locks by itself when the time comes. */
function OwnRating({ requestId, rating }: { requestId: string; rating: RatingView | undefined }) {
  const [now, setNow] = useState(() => Date.now());
  const until = rating ? Date.parse(rating.editable_until) : Number.POSITIVE_INFINITY;
  useEffect(() => {
    const left = until - Date.now();
    if (!Number.isFinite(left) || left <= 0) return;
    const timer = setTimeout(() => {
      setNow(Date.now());
    }, Math.min(left + 100, MAX_TIMEOUT));
    return () => {
      clearTimeout(timer);
    };
  }, [until, now]);
  return rating && until <= now ? <ReadOnly rating={rating} /> : <RatingForm requestId={requestId} rating={rating} />;
}

function ReadOnly({ rating }: { rating: RatingView }) {
  const { t } = useTranslation();
  return (
    <Stack spacing={1}>
      <Rating value={rating.score} readOnly getLabelText={() => t("rating.scoreOf", { score: rating.score })} />
      {rating.comment && <Typography sx={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{rating.comment}</Typography>}
      <Typography variant="body2" color="text.secondary">
        {t("rating.locked")}
      </Typography>
    </Stack>
  );
}

function RatingForm({ requestId, rating }: { requestId: string; rating: RatingView | undefined }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const queryClient = useQueryClient();
  const [score, setScore] = useState<number | null>(rating?.score ?? null);
  const [comment, setComment] = useState(rating?.comment ?? "");
  const save = useMutation({
    mutationFn: async (body: { score: number; comment: string }) =>
      unwrap(await api.PUT("/requests/{request_id}/rating", { params: { path: { request_id: requestId } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(ratingsKey(requestId), [saved]);
      notices.say(t("rating.saved"));
    },
    // Shown by the form itself.
    onError: () => undefined,
  });

  return (
    <Stack
      component="form"
      spacing={2}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (score !== null) save.mutate({ score, comment: comment.trim() });
      }}
    >
      {save.isError && <ProblemAlert error={save.error} />}
      <Stack component="fieldset" spacing={0.5} sx={{ border: 0, p: 0, m: 0 }}>
        <Typography component="legend" variant="body2" color="text.secondary">
          {t("rating.score")}
        </Typography>
        <Rating
          name={`score-${requestId}`}
          value={score}
          size="large"
          getLabelText={(value) => t("rating.stars", { count: value })}
          onChange={(_event, value) => {
            setScore(value);
          }}
        />
      </Stack>
      <TextField
        label={t("rating.comment")}
        value={comment}
        onChange={(event) => {
          setComment(event.target.value);
        }}
        multiline
        minRows={2}
        fullWidth
      />
      {rating && (
        <Typography variant="body2" color="text.secondary">
          {t("rating.editableUntil", { until: formats.moment(rating.editable_until) })}
        </Typography>
      )}
      <Button type="submit" variant="contained" size="large" disabled={score === null} loading={save.isPending} sx={{ alignSelf: "flex-start" }}>
        {rating ? t("rating.change") : t("rating.submit")}
      </Button>
    </Stack>
  );
}
