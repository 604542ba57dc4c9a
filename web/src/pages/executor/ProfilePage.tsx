// The executor's own profile, for the phone: what dispatch knows of them (skills, capacity,
// rating) and what they set themselves (on duty, districts, weekly hours).
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import CircularProgress from "@mui/material/CircularProgress";
import FormControlLabel from "@mui/material/FormControlLabel";
import ListItemText from "@mui/material/ListItemText";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Rating from "@mui/material/Rating";
import Stack from "@mui/material/Stack";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useUser } from "../../auth/AuthProvider";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useCategoryLabel } from "../../requests/categories";

type Executor = components["schemas"]["ExecutorPublic"];
type ProfileUpdate = components["schemas"]["ProfileUpdate"];
type WeeklyHours = components["schemas"]["WeeklyHours"];

export const DISTRICTS = ["ЦАО", "САО", "СВАО", "ВАО", "ЮВАО", "ЮАО", "ЮЗАО", "ЗАО", "СЗАО", "Зеленоград"] as const;
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Day = (typeof DAYS)[number];

const INTERVAL = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

export const executorKey = (id: string) => ["executor", id] as const;

function profileIdentity(executor: Executor): string {
  return JSON.stringify([executor.available, executor.districts ?? [], executor.working_hours ?? null]);
}

export default function ProfilePage() {
  const { t } = useTranslation("executor");
  const me = useUser();
  const query = useQuery({
    queryKey: executorKey(me.id),
    queryFn: async () => unwrap(await api.GET("/executors/{executor_id}", { params: { path: { executor_id: me.id } } })),
  });

  return (
    <Box sx={{ maxWidth: 640, mx: "auto", px: { xs: 1.5, sm: 2 }, py: 2 }}>
      <Stack spacing={2}>
        <Typography variant="h5" component="h1">
          {t("profile.title")}
        </Typography>
        {query.data ? (
          <>
            <Facts executor={query.data} />
            {/* A saved answer gives the form its new starting point. */}
            <ProfileForm key={profileIdentity(query.data)} executor={query.data} />
          </>
        ) : query.isError ? (
          <Stack spacing={1}>
            <ProblemAlert error={query.error} />
            <Button size="large" onClick={() => void query.refetch()}>
              {t("common.retry", { ns: "common" })}
            </Button>
          </Stack>
        ) : (
          <CircularProgress aria-label={t("app.loading", { ns: "common" })} />
        )}
      </Stack>
    </Box>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Paper component="section" variant="outlined" sx={{ p: 2 }} aria-labelledby={id}>
      <Typography id={id} variant="h6" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

function Facts({ executor }: { executor: Executor }) {
  const { t, i18n } = useTranslation("executor");
  const categoryName = useCategoryLabel();
  const rating = executor.rating ?? null;
  return (
    <Section id="profile-facts" title={t("profile.facts")}>
      <Stack spacing={1.5}>
        <Fact label={t("profile.skills")}>{executor.skills.length ? executor.skills.map(categoryName).join(", ") : t("profile.noSkills")}</Fact>
        <Fact label={t("profile.capacity")}>{t("profile.capacityValue", { count: executor.capacity })}</Fact>
        <Fact label={t("profile.rating")}>
          {rating === null ? (
            t("profile.noRating")
          ) : (
            <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }}>
              <Rating value={rating} precision={0.1} readOnly aria-hidden />
              <span>
                {t("profile.ratingValue", {
                  rating: rating.toLocaleString(i18n.language, { maximumFractionDigits: 1 }),
                  count: executor.ratings,
                })}
              </span>
            </Stack>
          )}
        </Fact>
      </Stack>
    </Section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="p">
        {label}
      </Typography>
      <Typography component="div">{children}</Typography>
    </Box>
  );
}

/** The weekly hours as the editor shows them: per day, the intervals joined by commas. */
function hoursText(hours: WeeklyHours | null | undefined): Record<Day, string> {
  return Object.fromEntries(DAYS.map((day) => [day, (hours?.[day] ?? []).join(", ")])) as Record<Day, string>;
}

function parseDay(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.replace(/\s+/g, ""))
    .filter(Boolean);
}

/** Only the days worked, in weekday order: two equal weeks give equal JSON. */
function normalHours(texts: Record<Day, string>): WeeklyHours {
  const hours: WeeklyHours = {};
  for (const day of DAYS) {
    const intervals = parseDay(texts[day]);
    if (intervals.length) hours[day] = intervals;
  }
  return hours;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

function ProfileForm({ executor }: { executor: Executor }) {
  const { t } = useTranslation("executor");
  const queryClient = useQueryClient();
  const startHours = executor.working_hours ?? null;
  const [available, setAvailable] = useState(executor.available);
  const [districts, setDistricts] = useState<string[]>(executor.districts ?? []);
  const [anyTime, setAnyTime] = useState(startHours === null);
  const [hours, setHours] = useState(() => hoursText(startHours));
  const [checked, setChecked] = useState(false);

  const wrongDays = anyTime ? [] : DAYS.filter((day) => parseDay(hours[day]).some((interval) => !INTERVAL.test(interval)));

  const changes: ProfileUpdate = {};
  if (available !== executor.available) changes.available = available;
  if (!sameList(districts, executor.districts ?? [])) changes.districts = districts;
  if (anyTime) {
    if (startHours !== null) changes.working_hours = null;
  } else {
    const next = normalHours(hours);
    if (startHours === null || JSON.stringify(next) !== JSON.stringify(normalHours(hoursText(startHours)))) changes.working_hours = next;
  }
  const changed = Object.keys(changes).length > 0;

  const save = useMutation({
    mutationFn: async (body: ProfileUpdate) =>
      unwrap(await api.PATCH("/executors/{executor_id}/profile", { params: { path: { executor_id: executor.id } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(executorKey(executor.id), saved);
      notices.say(t("profile.saved"));
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
        setChecked(true);
        if (wrongDays.length === 0 && changed) save.mutate(changes);
      }}
    >
      <Section id="profile-duty" title={t("profile.duty")}>
        <FormControlLabel
          control={
            <Switch
              checked={available}
              onChange={(event) => {
                setAvailable(event.target.checked);
              }}
            />
          }
          label={t("profile.available")}
        />
        <Typography variant="body2" color="text.secondary">
          {t(available ? "profile.availableHint" : "profile.unavailableHint")}
        </Typography>
      </Section>
      <Section id="profile-districts" title={t("profile.districts")}>
        <TextField
          select
          fullWidth
          label={t("profile.districts")}
          value={districts}
          helperText={t("profile.districtsHint")}
          slotProps={{
            select: {
              multiple: true,
              displayEmpty: true,
              renderValue: (value) => ((value as string[]).length ? (value as string[]).join(", ") : t("profile.wholeCity")),
            },
            inputLabel: { shrink: true },
          }}
          onChange={(event) => {
            const value = event.target.value as unknown as string[] | string;
            setDistricts(typeof value === "string" ? value.split(",") : value);
          }}
        >
          {DISTRICTS.map((district) => (
            <MenuItem key={district} value={district}>
              <Checkbox checked={districts.includes(district)} tabIndex={-1} disableRipple />
              <ListItemText primary={district} />
            </MenuItem>
          ))}
        </TextField>
      </Section>
      <Section id="profile-hours" title={t("profile.hours")}>
        <Stack spacing={1.5}>
          <FormControlLabel
            control={
              <Switch
                checked={anyTime}
                onChange={(event) => {
                  setAnyTime(event.target.checked);
                }}
              />
            }
            label={t("profile.anyTime")}
          />
          {!anyTime && (
            <>
              <Typography variant="body2" color="text.secondary">
                {t("profile.hoursHint")}
              </Typography>
              {DAYS.map((day) => {
                const wrong = checked && wrongDays.includes(day);
                return (
                  <TextField
                    key={day}
                    fullWidth
                    label={t(`profile.day.${day}`)}
                    placeholder="09:00-13:00, 14:00-18:00"
                    value={hours[day]}
                    error={wrong}
                    helperText={wrong ? t("profile.hoursWrong") : undefined}
                    onChange={(event) => {
                      setHours({ ...hours, [day]: event.target.value });
                    }}
                  />
                );
              })}
            </>
          )}
        </Stack>
      </Section>
      {save.isError && <ProblemAlert error={save.error} />}
      <Button type="submit" variant="contained" size="large" disabled={!changed} loading={save.isPending} sx={{ minHeight: 48 }}>
        {t("profile.save")}
      </Button>
    </Stack>
  );
}
