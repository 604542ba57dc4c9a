import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useNavigate } from "react-router";

import { problemMessage } from "../../feedback/problemMessage";
import { notices } from "../../feedback/notices";
import { uploadPhoto } from "./photos";

type Status = { state: "pending" | "uploading" | "done" } | { state: "failed"; error: unknown };

/** The photos of a request just filed, sent one by one; the request page opens when all
 * went, else each failure is named and can be retried (the request itself is filed). */
export function PhotoUploads({ requestId, photos }: { requestId: string; photos: File[] }) {
  const { t } = useTranslation("customer");
  const { t: tc } = useTranslation();
  const navigate = useNavigate();
  const [statuses, setStatuses] = useState<Status[]>(() => photos.map(() => ({ state: "pending" })));
  const started = useRef(false);

  const run = useCallback(
    async (indexes: number[]) => {
      let failed = 0;
      for (const index of indexes) {
        const photo = photos[index];
        if (!photo) continue;
        setStatuses((current) => current.map((s, i) => (i === index ? { state: "uploading" } : s)));
        try {
          await uploadPhoto(requestId, photo);
          setStatuses((current) => current.map((s, i) => (i === index ? { state: "done" } : s)));
        } catch (error) {
          failed += 1;
          setStatuses((current) => current.map((s, i) => (i === index ? { state: "failed", error } : s)));
        }
      }
      if (failed === 0) {
        notices.say(t("new.filed"));
        void navigate(`/requests/${requestId}`);
      }
    },
    [navigate, photos, requestId, t],
  );

  useEffect(() => {
    // Once per filed request, also under StrictMode's double effects.
    if (started.current) return;
    started.current = true;
    void run(photos.map((_, index) => index));
  }, [photos, run]);

  const busy = statuses.some((s) => s.state === "uploading" || s.state === "pending");
  const failedIndexes = statuses.flatMap((s, index) => (s.state === "failed" ? [index] : []));

  const label = (status: Status): string => {
    switch (status.state) {
      case "pending":
        return t("new.photoPending");
      case "uploading":
        return t("new.photoUploading");
      case "done":
        return t("new.photoDone");
      case "failed":
        return t("new.photoFailed", { reason: problemMessage(status.error, tc) });
    }
  };

  return (
    <Box sx={{ maxWidth: 760, mx: "auto" }}>
      <Typography component="h1" variant="h5" gutterBottom>
        {t("new.uploadTitle")}
      </Typography>
      <Paper sx={{ p: { xs: 2, sm: 3 } }}>
        <Stack spacing={2}>
          {busy ? (
            <Alert severity="success">{t("new.uploadFiled")}</Alert>
          ) : (
            failedIndexes.length > 0 && <Alert severity="warning" role="alert">{t("new.uploadSome")}</Alert>
          )}
          {busy && <LinearProgress aria-label={t("new.photoUploading")} />}
          <Box component="ul" sx={{ m: 0, pl: 3 }} aria-live="polite">
            {photos.map((photo, index) => {
              const status = statuses[index] ?? { state: "pending" };
              return (
                <li key={`${photo.name}-${index}`} data-state={status.state}>
                  <Typography variant="body2" color={status.state === "failed" ? "error" : "text.primary"}>
                    {photo.name}: {label(status)}
                  </Typography>
                </li>
              );
            })}
          </Box>
          {!busy && (
            <Stack direction="row" spacing={2} sx={{ flexWrap: "wrap", rowGap: 1 }}>
              {failedIndexes.length > 0 && (
                <Button variant="contained" onClick={() => void run(failedIndexes)}>
                  {t("new.retryPhotos")}
                </Button>
              )}
              <Button component={RouterLink} to={`/requests/${requestId}`}>
                {t("new.openRequest")}
              </Button>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Box>
  );
}
