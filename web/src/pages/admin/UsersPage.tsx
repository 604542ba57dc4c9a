// The admin's desk: every account, a page at a time by role; new accounts for staff and
// executors; a person's role changed or their access switched off.
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControlLabel from "@mui/material/FormControlLabel";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import Switch from "@mui/material/Switch";
import TableCell from "@mui/material/TableCell";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useUser } from "../../auth/AuthProvider";
import { notices } from "../../feedback/notices";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { DataTable, Panel } from "../hr/deskParts";
import { useFormats } from "../../format";

type User = components["schemas"]["UserPublic"];
type UserCreate = components["schemas"]["UserCreate"];
type UserUpdate = components["schemas"]["UserUpdate"];
type PersonRole = UserCreate["role"];

// Every role a person can hold ("system" is the automation's own).
export const PERSON_ROLES: readonly PersonRole[] = [
  "customer", "executor", "manager", "head_manager", "security", "head_security", "hr", "admin",
];
const ALL = "all";
const PAGE_SIZE = 50;
const MIN_PASSWORD = 10;

function isPersonRole(value: string): value is PersonRole {
  return (PERSON_ROLES as readonly string[]).includes(value);
}

export default function UsersPage() {
  const { t } = useTranslation("desks");
  const { t: common } = useTranslation();
  const { day } = useFormats();
  const me = useUser();
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const chosen = search.get("role") ?? ALL;
  const role = isPersonRole(chosen) ? chosen : undefined;
  const page = Math.max(0, Number.parseInt(search.get("page") ?? "0", 10) || 0);

  const users = useQuery({
    queryKey: ["users", role ?? ALL, page],
    queryFn: async () =>
      unwrap(await api.GET("/users", { params: { query: { role, limit: PAGE_SIZE, offset: page * PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const rows = users.data ?? [];

  const navigate = (changes: Record<string, string>) => {
    setSearch((previous) => {
      const params = new URLSearchParams(previous);
      for (const [key, value] of Object.entries(changes)) params.set(key, value);
      return params;
    });
  };

  return (
    <Stack spacing={2}>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ justifyContent: "space-between" }}>
        <Typography component="h1" variant="h5">
          {t("users.title")}
        </Typography>
        <Button variant="contained" onClick={() => { setCreating(true); }}>
          {t("users.create")}
        </Button>
      </Stack>
      <Panel
        id="users-heading"
        title={t("users.list")}
        status={users}
        tools={
          <TextField
            select
            size="small"
            label={t("users.roleFilter")}
            value={role ?? ALL}
            onChange={(event) => { navigate({ role: event.target.value, page: "0" }); }}
            sx={{ minWidth: 220 }}
          >
            <MenuItem value={ALL}>{t("users.allRoles")}</MenuItem>
            {roleOptions(common)}
          </TextField>
        }
      >
        {users.isSuccess && rows.length === 0 && <Typography color="text.secondary">{common("common.empty")}</Typography>}
        {rows.length > 0 && (
          <DataTable
            labelledBy="users-heading"
            columns={[
              { label: t("users.name") },
              { label: t("users.role") },
              { label: t("users.status") },
              { label: t("users.created") },
              { label: t("users.actions") },
            ]}
          >
            {rows.map((user) => (
              <TableRow key={user.id}>
                <TableCell>
                  {user.full_name}
                  <Typography variant="body2" color="text.secondary" sx={{ wordBreak: "break-all" }}>
                    {user.email}
                  </Typography>
                </TableCell>
                <TableCell>{common(`role.${user.role}`)}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    variant="outlined"
                    color={user.is_active ? "success" : "default"}
                    label={user.is_active ? t("users.active") : t("users.inactive")}
                  />
                </TableCell>
                <TableCell>{day(user.created_at)}</TableCell>
                <TableCell>
                  {user.id === me.id ? (
                    <Typography variant="body2" color="text.secondary">
                      {t("users.you")}
                    </Typography>
                  ) : (
                    <Button
                      size="small"
                      onClick={() => { setEditing(user); }}
                      aria-label={t("users.editNamed", { name: user.full_name })}
                    >
                      {t("users.edit")}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
        <Stack direction="row" spacing={2} sx={{ alignItems: "center" }}>
          <Button disabled={page === 0} onClick={() => { navigate({ page: String(page - 1) }); }}>
            {t("users.previous")}
          </Button>
          <Typography variant="body2">{t("users.page", { page: page + 1 })}</Typography>
          <Button disabled={rows.length < PAGE_SIZE} onClick={() => { navigate({ page: String(page + 1) }); }}>
            {t("users.next")}
          </Button>
        </Stack>
      </Panel>
      {creating && <CreateUserDialog onClose={() => { setCreating(false); }} />}
      {editing && <EditUserDialog key={editing.id} user={editing} onClose={() => { setEditing(null); }} />}
    </Stack>
  );
}

// A Select reads its options from its direct children: a list of items, not a component.
function roleOptions(common: TFunction) {
  return PERSON_ROLES.map((value) => (
    <MenuItem key={value} value={value}>
      {common(`role.${value}`)}
    </MenuItem>
  ));
}

function useSaved() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["users"] });
}

function skillsOf(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((skill) => skill.trim().toLowerCase())
    .filter(Boolean);
}

function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("desks");
  const { t: common } = useTranslation();
  const saved = useSaved();
  const [form, setForm] = useState({ email: "", full_name: "", password: "", role: "executor" as PersonRole, locale: "ru" as UserCreate["locale"], skills: "", service_area: "" });
  const [tried, setTried] = useState(false);
  const create = useMutation({
    mutationFn: async (body: UserCreate) => unwrap(await api.POST("/users", { body })),
    onSuccess: async (user) => {
      await saved();
      notices.say(t("users.created_notice", { email: user.email }));
      onClose();
    },
    onError: () => undefined, // shown in the dialog, next to what to fix
  });
  const change = (key: keyof typeof form) => (event: { target: { value: string } }) => {
    setForm((previous) => ({ ...previous, [key]: event.target.value }));
  };
  const problems = {
    email: !/^[^@\s]+@[^@\s]+$/.test(form.email.trim()),
    full_name: !form.full_name.trim(),
    password: form.password.length < MIN_PASSWORD,
  };
  const executor = form.role === "executor";
  const bind = (key: keyof typeof form) => ({ value: form[key], onChange: change(key) });
  const required = (key: keyof typeof problems, problemText: string, hint?: string) => ({
    required: true,
    error: tried && problems[key],
    helperText: tried && problems[key] ? problemText : hint,
  });
  const passwordHint = t("users.passwordHint", { count: MIN_PASSWORD });

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.values(problems).some(Boolean)) return;
    const body: UserCreate = {
      email: form.email.trim(),
      full_name: form.full_name.trim(),
      password: form.password,
      role: form.role,
      locale: form.locale,
      service_area: executor ? form.service_area.trim() : "",
      ...(executor ? { skills: skillsOf(form.skills) } : {}),
    };
    create.mutate(body);
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby="create-heading" fullWidth maxWidth="sm">
      <Box component="form" noValidate onSubmit={submit}>
        <DialogTitle id="create-heading">{t("users.createTitle")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField label={t("users.email")} type="email" autoComplete="off" {...bind("email")} {...required("email", t("users.emailInvalid"))} />
            <TextField
              label={t("users.fullName")}
              {...bind("full_name")}
              {...required("full_name", t("users.required"))}
              slotProps={{ htmlInput: { maxLength: 200 } }}
            />
            <TextField
              label={t("users.password")}
              type="password"
              autoComplete="new-password"
              {...bind("password")}
              {...required("password", passwordHint, passwordHint)}
            />
            <TextField select label={t("users.role")} {...bind("role")}>
              {roleOptions(common)}
            </TextField>
            <TextField select label={t("users.locale")} {...bind("locale")}>
              <MenuItem value="ru">Русский</MenuItem>
              <MenuItem value="en">English</MenuItem>
            </TextField>
            {executor && (
              <>
                <TextField label={t("users.skills")} {...bind("skills")} helperText={t("users.skillsHint")} />
                <TextField label={t("users.serviceArea")} {...bind("service_area")} slotProps={{ htmlInput: { maxLength: 200 } }} />
              </>
            )}
            <ProblemAlert error={create.error} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{common("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t("users.createSubmit")}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

function EditUserDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useTranslation("desks");
  const { t: common } = useTranslation();
  const saved = useSaved();
  const [role, setRole] = useState<PersonRole>(isPersonRole(user.role) ? user.role : "customer");
  const [active, setActive] = useState(user.is_active);
  const update = useMutation({
    mutationFn: async (body: UserUpdate) =>
      unwrap(await api.PATCH("/users/{user_id}", { params: { path: { user_id: user.id } }, body })),
    onSuccess: async () => {
      await saved();
      notices.say(t("users.saved"));
      onClose();
    },
    onError: () => undefined, // shown in the dialog
  });
  // Only what changed is sent: an untouched field stays as the server has it.
  const changes: UserUpdate = {
    ...(role !== user.role ? { role } : {}),
    ...(active !== user.is_active ? { is_active: active } : {}),
  };
  const changed = Object.keys(changes).length > 0;

  return (
    <Dialog open onClose={onClose} aria-labelledby="edit-heading" fullWidth maxWidth="xs">
      <Box
        component="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (changed) update.mutate(changes);
        }}
      >
        <DialogTitle id="edit-heading">{user.full_name}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Typography variant="body2" color="text.secondary">
              {user.email}
            </Typography>
            <TextField
              select
              label={t("users.role")}
              value={role}
              onChange={(event) => { if (isPersonRole(event.target.value)) setRole(event.target.value); }}
            >
              {roleOptions(common)}
            </TextField>
            <FormControlLabel
              control={<Switch checked={active} onChange={(event) => { setActive(event.target.checked); }} />}
              label={t("users.activeSwitch")}
            />
            {!active && user.is_active && (
              <Alert severity="warning" role="status">{t("users.deactivateHint")}</Alert>
            )}
            <ProblemAlert error={update.error} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{common("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={!changed || update.isPending}>
            {common("common.save")}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
