// Analytics for the period: managers see every report; HR the payouts and security the
// identity checks only (the API refuses the rest to them, so the page does not ask).
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import { useUser } from "../../auth/AuthProvider";
import { sectionsOf, type Section } from "./access";
import { ExecutorsSection } from "./ExecutorsSection";
import { NotificationsSection, PayoutsSection, VerificationSection } from "./EventSections";
import { useFilters } from "./filters";
import { FiltersBar, type Slice } from "./FiltersBar";
import { Overview } from "./Overview";
import { QualitySection, SlaSection, TimingsSection, VolumeSection } from "./RequestSections";

// The identity checks are not of a request: only the executor narrows them.
function slicesOf(sections: readonly Section[]): readonly Slice[] {
  return sections.some((section) => section !== "verification") ? ["category", "district", "executor"] : ["executor"];
}

export default function ReportsPage() {
  const { t } = useTranslation("reports");
  const user = useUser();
  const filters = useFilters();
  const sections = sectionsOf(user.role);
  const shown = (section: Section) => sections.includes(section);
  const query = filters.query;

  return (
    <Stack spacing={3}>
      <Typography component="h1" variant="h5">
        {t("title")}
      </Typography>
      <FiltersBar filters={filters} slices={slicesOf(sections)} />
      {!filters.problem && (
        <>
          {shown("overview") && <Overview query={query} />}
          {shown("volume") && <VolumeSection query={query} />}
          {shown("timings") && <TimingsSection query={query} />}
          {shown("sla") && <SlaSection query={query} />}
          {shown("quality") && <QualitySection query={query} />}
          {shown("executors") && <ExecutorsSection query={query} />}
          {shown("notifications") && <NotificationsSection query={query} />}
          {shown("verification") && <VerificationSection query={query} />}
          {shown("payouts") && <PayoutsSection filters={filters} />}
        </>
      )}
    </Stack>
  );
}
