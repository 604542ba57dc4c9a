import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useMutation } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import { useUser } from "../../auth/AuthProvider";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { CATEGORIES, categoryLabel } from "../../requests/categories";
import { PhotoPicker } from "./PhotoPicker";
import { PhotoUploads } from "./PhotoUploads";
import {
  DESCRIPTION_MAX,
  clearDraft,
  emptyDraft,
  isBlank,
  loadDraft,
  refusalsByField,
  saveDraft,
  toRequestCreate,
  validateDraft,
  type Draft,
  type DraftField,
  type DraftProblem,
  type DraftProblems,
} from "./requestDraft";

type Filed = { id: string; photos: File[] };

export default function NewRequestPage() {
  const { t } = useTranslation("customer");
  const user = useUser();
  const navigate = useNavigate();
  const [restored] = useState(() => loadDraft(user.id));
  const [draft, setDraft] = useState<Draft>(() => restored ?? emptyDraft());
  const [photos, setPhotos] = useState<File[]>([]);
  const [problems, setProblems] = useState<DraftProblems>({});
  const [refusals, setRefusals] = useState<Partial<Record<DraftField, string>>>({});
  const [filed, setFiled] = useState<Filed | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (filed) return;
    if (isBlank(draft)) clearDraft(user.id);
    else saveDraft(user.id, draft);
  }, [draft, filed, user.id]);

  const submit = useMutation({
    mutationFn: async (sent: Draft) =>
      unwrap(
        await api.POST("/requests", {
          params: { header: { "Idempotency-Key": sent.idempotencyKey } },
          body: toRequestCreate(sent),
        }),
      ),
    onSuccess: (request) => {
      clearDraft(user.id);
      if (photos.length === 0) {
        notices.say(t("new.filed"));
        void navigate(`/requests/${request.id}`);
      } else {
        setFiled({ id: request.id, photos });
      }
    },
    onError: (error) => {
      // Shown on the form (by field where the API names one), so no snackbar as well.
      if (error instanceof ApiError && error.status === 422) setRefusals(refusalsByField(error.problem).byField);
    },
  });

  if (filed) return <PhotoUploads requestId={filed.id} photos={filed.photos} />;

  const change = (field: DraftField) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setRefusals((current) => ({ ...current, [field]: undefined }));
    if (problems[field]) setProblems((current) => ({ ...current, [field]: undefined }));
  };

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (submit.isPending) return;
    const found = validateDraft(draft);
    setProblems(found);
    setRefusals({});
    if (Object.keys(found).length > 0) {
      summaryRef.current?.focus();
      return;
    }
    submit.mutate(draft);
  };

  const reset = () => {
    clearDraft(user.id);
    setDraft(emptyDraft());
    setPhotos([]);
    setProblems({});
    setRefusals({});
    submit.reset();
  };

  const message = (field: DraftField): string | undefined => {
    const problem = problems[field];
    if (problem) return describe(t, problem);
    const refusal = refusals[field];
    return refusal ? t("errors.refused", { detail: refusal }) : undefined;
  };
  const fieldProps = (field: DraftField) => {
    const error = message(field);
    return {
      id: `new-request-${field}`,
      name: field,
      value: draft[field],
      onChange: (event: { target: { value: string } }) => { change(field)(event.target.value); },
      error: Boolean(error),
      ...(error ? { helperText: error } : {}),
    };
  };
  const hasProblems = Object.values(problems).some(Boolean);
  const refusedByField = Object.values(refusals).some(Boolean);
  const unplacedRefusal = submit.error && !(submit.error instanceof ApiError && submit.error.status === 422 && refusalsByField(submit.error.problem).complete);

  return (
    <Box sx={{ maxWidth: 760, mx: "auto" }}>
      <Typography id="new-request-heading" component="h1" variant="h5" gutterBottom>
        {t("new.title")}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t("new.intro")}
      </Typography>
      {restored && !isBlank(restored) && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("new.restored")}
        </Alert>
      )}
      <Paper component="form" noValidate onSubmit={onSubmit} sx={{ p: { xs: 2, sm: 3 } }} aria-labelledby="new-request-heading">
        <Stack spacing={2.5}>
          <Box ref={summaryRef} tabIndex={-1} sx={{ outline: "none" }}>
            {(hasProblems || refusedByField) && <Alert severity="error">{t("errors.summary")}</Alert>}
            {unplacedRefusal && <ProblemAlert error={submit.error} />}
          </Box>
          <TextField
            {...fieldProps("category")}
            select
            required
            label={t("new.category")}
            slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
          >
            <option value="" disabled>
              {t("new.chooseCategory")}
            </option>
            {CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {categoryLabel(t, category)}
              </option>
            ))}
          </TextField>
          <TextField
            {...fieldProps("description")}
            required
            multiline
            minRows={4}
            label={t("new.description")}
            helperText={message("description") ?? t("new.descriptionHelp", { count: draft.description.trim().length, max: DESCRIPTION_MAX })}
          />
          <TextField
            {...fieldProps("address")}
            required
            autoComplete="street-address"
            label={t("new.address")}
            helperText={message("address") ?? t("new.addressHelp")}
          />
          <Box component="fieldset" sx={{ border: 0, p: 0, m: 0 }}>
            <Typography component="legend" variant="subtitle2" sx={{ mb: 1.5 }}>
              {t("new.windowLegend")}
            </Typography>
            <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
              <TextField {...fieldProps("windowStart")} fullWidth type="datetime-local" label={t("new.windowStart")} slotProps={{ inputLabel: { shrink: true } }} />
              <TextField {...fieldProps("windowEnd")} fullWidth type="datetime-local" label={t("new.windowEnd")} slotProps={{ inputLabel: { shrink: true } }} />
            </Stack>
          </Box>
          <TextField
            {...fieldProps("budget")}
            label={t("new.budget")}
            helperText={message("budget") ?? t("new.budgetHelp")}
            slotProps={{ htmlInput: { inputMode: "decimal" } }}
            sx={{ maxWidth: { sm: 320 } }}
          />
          <PhotoPicker photos={photos} onChange={setPhotos} />
          <Stack direction="row" spacing={2} sx={{ flexWrap: "wrap", rowGap: 1 }}>
            <Button type="submit" variant="contained" disabled={submit.isPending}>
              {submit.isPending ? t("new.submitting") : t("new.submit")}
            </Button>
            <Button type="button" onClick={reset} disabled={submit.isPending}>
              {t("new.reset")}
            </Button>
          </Stack>
        </Stack>
      </Paper>
    </Box>
  );
}

function describe(t: TFunction<"customer">, problem: DraftProblem): string {
  switch (problem.key) {
    case "descriptionLong":
    case "addressLong":
      return t(`errors.${problem.key}`, { max: problem.max });
    case "addressShort":
      return t("errors.addressShort", { min: problem.min });
    case "windowSpan":
      return t("errors.windowSpan", { days: problem.days });
    default:
      return t(`errors.${problem.key}`);
  }
}
