// A request's history as its people see it: each step, who took it (by role) and when,
// with the reason or report given. Newest last, as a story reads.
import Box from "@mui/material/Box";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import type { components } from "../api/schema";
import { StateChip, type State } from "./StateChip";

export type Transition = components["schemas"]["TransitionPublic"];

const ACTIONS = [
  "create", "assign", "offer", "reassign", "accept", "decline", "accept_timeout", "start", "complete", "confirm", "auto_confirm",
  "dispute", "resolve_rework", "resolve_accept", "requeue", "withdraw", "verification_rejected", "close", "cancel",
] as const;
const ROLES = ["customer", "executor", "manager", "head_manager", "security", "head_security", "hr", "admin", "system"] as const;
const STATES: readonly string[] = ["new", "assigned", "accepted", "in_progress", "completed", "confirmed", "closed", "cancelled", "disputed"];

function known<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

function isState(value: string | null): value is State {
  return value !== null && STATES.includes(value);
}

function text(data: Transition["data"], field: string): string | null {
  const value = data[field];
  return typeof value === "string" && value.trim() ? value : null;
}

export function RequestTimeline({ transitions }: { transitions: readonly Transition[] }) {
  const { t, i18n } = useTranslation("customer");
  const { t: tc } = useTranslation();
  const format = useMemo(() => new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" }), [i18n.language]);
  const ordered = useMemo(() => [...transitions].sort((a, b) => a.seq - b.seq), [transitions]);

  if (ordered.length === 0) return <Typography color="text.secondary">{t("timeline.empty")}</Typography>;

  return (
    <Box component="ol" sx={{ listStyle: "none", m: 0, p: 0 }}>
      {ordered.map((step, index) => {
        const reason = text(step.data, "reason");
        const report = text(step.data, "report");
        return (
          <Box
            component="li"
            key={step.seq}
            data-action={step.action}
            sx={{
              position: "relative",
              pl: 3,
              pb: index === ordered.length - 1 ? 0 : 2,
              borderLeft: 2,
              borderColor: "divider",
              ml: 1,
              "&::before": {
                content: '""',
                position: "absolute",
                left: -7,
                top: 4,
                width: 12,
                height: 12,
                borderRadius: "50%",
                bgcolor: "primary.main",
              },
            }}
          >
            <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap", rowGap: 0.5 }}>
              <Typography component="span" sx={{ fontWeight: 600 }}>
                {known(ACTIONS, step.action) ? t(`timeline.action.${step.action}`) : step.action}
              </Typography>
              {isState(step.to_state) && <StateChip state={step.to_state} />}
            </Stack>
            <Typography variant="body2" color="text.secondary">
              <time dateTime={step.occurred_at}>{format.format(new Date(step.occurred_at))}</time>
              {" · "}
              {known(ROLES, step.actor_role) ? tc(`role.${step.actor_role}`) : step.actor_role}
            </Typography>
            {reason && (
              <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
                {t("timeline.reason", { reason })}
              </Typography>
            )}
            {report && (
              <Typography variant="body2" sx={{ overflowWrap: "anywhere", whiteSpace: "pre-line" }}>
                {t("timeline.report", { report })}
              </Typography>
            )}
          </Box>
        );
      })}
    </Box>
  );
}
