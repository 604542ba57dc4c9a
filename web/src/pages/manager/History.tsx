import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Skeleton from "@mui/material/Skeleton";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { useHistory, type Transition } from "./queueApi";

// Actions a person takes read as the buttons do (common), the others have labels of their own.
const ACTIONS = ["assign", "reassign", "accept", "decline", "start", "complete", "confirm", "dispute", "resolve", "withdraw", "cancel"] as const;
const MORE_ACTIONS = ["create", "offer", "accept_timeout", "auto_confirm", "resolve_rework", "resolve_accept", "requeue", "verification_rejected", "close"] as const;
const STATES = ["new", "assigned", "accepted", "in_progress", "completed", "confirmed", "closed", "cancelled", "disputed"] as const;
const ROLES = ["customer", "executor", "manager", "head_manager", "security", "head_security", "hr", "admin", "system"] as const;

export function known<T extends string>(list: readonly T[], value: string | null): value is T {
  return value !== null && (list as readonly string[]).includes(value);
}

export function History({ requestId }: { requestId: string }) {
  const { t, i18n } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const history = useHistory(requestId);
  if (history.error) return <ProblemAlert error={history.error} />;
  if (!history.data) return <Skeleton variant="rectangular" height={80} />;
  if (history.data.length === 0) return <Typography variant="body2" color="text.secondary">{t("drawer.noHistory")}</Typography>;

  const state = (s: string | null) => (known(STATES, s) ? tc(`state.${s}`) : (s ?? ""));
  const line = (h: Transition) => {
    const action = known(ACTIONS, h.action)
      ? tc(`action.${h.action}`)
      : known(MORE_ACTIONS, h.action)
        ? t(`history.actions.${h.action}`)
        : h.action;
    const move = h.from_state ? t("history.move", { from: state(h.from_state), to: state(h.to_state) }) : t("history.created", { to: state(h.to_state) });
    return `${action} · ${move}`;
  };
  const secondary = (h: Transition) => {
    const role = known(ROLES, h.actor_role) ? tc(`role.${h.actor_role}`) : h.actor_role;
    const parts = [new Date(h.occurred_at).toLocaleString(i18n.language), role];
    const reason = h.data.reason;
    if (typeof reason === "string" && reason) parts.push(t("history.reason", { reason }));
    return parts.join(" · ");
  };
  return (
    <List dense disablePadding>
      {[...history.data].reverse().map((h) => (
        <ListItem key={h.seq} disableGutters>
          <ListItemText primary={line(h)} secondary={secondary(h)} />
        </ListItem>
      ))}
    </List>
  );
}
