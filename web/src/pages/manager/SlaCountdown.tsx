import Box from "@mui/material/Box";
import Chip from "@mui/material/Chip";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";

import type { State } from "../../components/StateChip";
import { useNow } from "./clock";

// The SLA is over for these: a countdown would only distract.
const SETTLED: readonly State[] = ["confirmed", "closed", "cancelled"];

const pad = (n: number) => String(n).padStart(2, "0");

export function slaText(dueAt: string, now: number, t: TFunction<"manager">): { text: string; overdue: boolean } {
  const left = Date.parse(dueAt) - now;
  if (left > 0) {
    const seconds = Math.floor(left / 1000);
    const days = Math.floor(seconds / 86_400);
    const hours = Math.floor((seconds % 86_400) / 3600);
    const clock = `${hours}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
    return { text: days > 0 ? t("sla.leftDays", { days, clock }) : t("sla.left", { clock }), overdue: false };
  }
  const minutes = Math.floor(-left / 60_000);
  if (minutes < 60) return { text: t("sla.overdueMinutes", { minutes }), overdue: true };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { text: t("sla.overdueHours", { hours, minutes: minutes % 60 }), overdue: true };
  return { text: t("sla.overdueDays", { days: Math.floor(hours / 24), hours: hours % 24 }), overdue: true };
}

export function SlaCountdown({ request }: { request: { state: State; sla_due_at: string | null; sla_breached: boolean } }) {
  const { t } = useTranslation("manager");
  const now = useNow();
  const settled = SETTLED.includes(request.state);
  const countdown = request.sla_due_at && !settled ? slaText(request.sla_due_at, now, t) : null;
  const red = request.sla_breached || (countdown?.overdue ?? false);
  return (
    <Box sx={{ display: "flex", alignItems: "center", gap: 1, minWidth: 0 }}>
      <Box
        component="span"
        data-testid="sla-countdown"
        sx={{ color: red ? "error.main" : "text.primary", fontWeight: red ? 600 : 400, fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" }}
      >
        {countdown ? countdown.text : "—"}
      </Box>
      {request.sla_breached && <Chip size="small" color="error" label={t("sla.breached")} />}
    </Box>
  );
}
