import ReportProblemIcon from "@mui/icons-material/ReportProblem";
import ScheduleIcon from "@mui/icons-material/Schedule";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import type { RequestView } from "../../requests/useRequestAction";
import { useFormats } from "../../format";

const STAGES = ["assign", "accept", "start", "complete", "auto_confirm"] as const;
type Stage = (typeof STAGES)[number];

function isStage(stage: string): stage is Stage {
  return (STAGES as readonly string[]).includes(stage);
}

/** What the customer waits for next and by when, or that the deadline passed. */
export function SlaHint({ request }: { request: RequestView }) {
  const { t } = useTranslation("customer");
  const formats = useFormats();
  if (request.sla_breached) {
    return (
      <Stack direction="row" spacing={0.5} sx={{ alignItems: "center", color: "error.main" }}>
        <ReportProblemIcon fontSize="small" aria-hidden />
        <Typography variant="body2" color="error" component="span">
          {t("sla.breached")}
        </Typography>
      </Stack>
    );
  }
  if (!request.sla_due_at || !request.sla_stage) return null;
  const time = formats.moment(request.sla_due_at);
  const stage = request.sla_stage;
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: "center", color: "text.secondary" }}>
      <ScheduleIcon fontSize="small" aria-hidden />
      <Typography variant="body2" component="span">
        {isStage(stage) ? t(`sla.${stage}`, { time }) : t("sla.other", { time })}
      </Typography>
    </Stack>
  );
}
