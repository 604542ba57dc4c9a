// Choosing an executor, to assign a new request or to move an assigned one elsewhere. The
// server ranks the candidates (it knows areas, duty, capacity and each one's record), so
// the dialog shows its order and its reasons instead of guessing them from the executor list.
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemText from "@mui/material/ListItemText";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useCategoryLabel } from "../../requests/categories";
import { useRequestAction } from "../../requests/useRequestAction";
import { known } from "./History";
import { useCandidates, type Candidate, type RequestView } from "./queueApi";

export type AssignMode = "assign" | "reassign";

const FACTORS = ["load", "rating", "acceptance", "sla", "area"] as const;
const REASONS = [
  "no_skill", "outside_area", "not_verified", "verification_ends_before_the_window", "off_duty", "outside_working_hours", "at_capacity",
] as const;

interface Props {
  request: RequestView;
  mode: AssignMode;
  onClose: () => void;
}

export function AssignDialog({ request, mode, onClose }: Props) {
  const { t, i18n } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const categoryName = useCategoryLabel();
  const ranking = useCandidates(request.id);
  const action = useRequestAction(request.id, { quiet: true });
  const [chosen, setChosen] = useState<string | null>(null);
  // One decimal: scores sit between 0 and the sum of the weights (9 by default), so whole
  // numbers would make most candidates look tied.
  const number = useMemo(() => new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }), [i18n.language]);

  const candidates = ranking.data?.candidates ?? [];
  const ineligible = ranking.data?.ineligible ?? [];
  // Moving a job to the executor who has it is refused (422): they are shown, not offered.
  const isCurrent = (executorId: string) => mode === "reassign" && executorId === request.assignee_id;
  const choosable = candidates.filter((c) => !isCurrent(c.executor_id));

  const summary = (c: Candidate) =>
    t("assign.summary", {
      score: number.format(c.score),
      max: number.format(c.parts.reduce((sum, p) => sum + p.weight, 0)),
      open: c.open_jobs,
      capacity: c.capacity,
    });
  // What each factor counted, worded here from the numbers the server sends (its own
  // `why` is English); a factor this app does not know keeps the server's words.
  const why = (p: Candidate["parts"][number]) => {
    const facts = p.facts ?? {};
    const has = Object.keys(facts).length > 0;
    const f = (key: string) => {
      const value = facts[key];
      return typeof value === "number" ? number.format(value) : (value ?? "");
    };
    switch (p.factor) {
      case "load":
        return has ? t("assign.why.load", { held: f("held"), capacity: f("capacity") }) : p.why;
      case "rating":
        return has ? t("assign.why.rating", { rating: f("rating") }) : t("assign.why.ratingNone");
      case "acceptance":
        return has
          ? t("assign.why.acceptance", { accepted: f("accepted"), offers: f("offers") })
          : t("assign.why.acceptanceNone");
      case "sla":
        return has ? t("assign.why.sla", { kept: f("kept"), jobs: f("jobs") }) : t("assign.why.slaNone");
      case "area":
        return has ? t("assign.why.area", { district: f("district") }) : t("assign.why.areaNone");
      default:
        return p.why;
    }
  };
  const explanation = (c: Candidate) =>
    c.parts
      .map((p) => t("assign.part", { factor: known(FACTORS, p.factor) ? t(`assign.factors.${p.factor}`) : p.factor, points: number.format(p.points), why: why(p) }))
      .join("; ");
  const reason = (r: string) => (known(REASONS, r) ? t(`assign.reasons.${r}`, { category: categoryName(request.category) }) : r);

  const submit = () => {
    if (!chosen) return;
    action.mutate(
      { action: mode, executorId: chosen },
      {
        onSuccess: () => {
          notices.say(t(`done.${mode}`));
          onClose();
        },
      },
    );
  };

  const district = ranking.data?.district;
  return (
    <Dialog open onClose={onClose} aria-labelledby="assign-title" fullWidth maxWidth="sm">
      <DialogTitle id="assign-title">{t(`${mode}.title`)}</DialogTitle>
      <DialogContent dividers>
        <Stack spacing={2}>
          <Box>
            <Typography variant="body2">{t("assign.category", { category: categoryName(request.category) })}</Typography>
            {district !== undefined && (
              <Typography variant="body2" color="text.secondary">
                {district ? t("assign.district", { district }) : t("assign.noDistrict")}
              </Typography>
            )}
          </Box>
          <ProblemAlert error={ranking.error} />
          <ProblemAlert error={action.error} />
          <section aria-labelledby="assign-eligible">
            <Typography id="assign-eligible" component="h3" variant="subtitle1">
              {t("assign.eligible")}
            </Typography>
            {ranking.isPending ? (
              <Skeleton variant="rectangular" height={96} />
            ) : (
              <>
                {choosable.length === 0 && <Alert severity="info">{t("assign.none")}</Alert>}
                {candidates.length > 0 && (
                  <List dense aria-labelledby="assign-eligible">
                    {candidates.map((c) => (
                      <ListItem key={c.executor_id} disablePadding>
                        <ListItemButton
                          selected={chosen === c.executor_id}
                          aria-pressed={chosen === c.executor_id}
                          disabled={isCurrent(c.executor_id)}
                          onClick={() => { setChosen(c.executor_id); }}
                        >
                          <ListItemText
                            primary={c.full_name}
                            secondary={
                              <>
                                <Box component="span" sx={{ display: "block" }}>{summary(c)}</Box>
                                <Box component="span" sx={{ display: "block" }}>{explanation(c)}</Box>
                              </>
                            }
                          />
                          {isCurrent(c.executor_id) && <Chip size="small" label={t("assign.current")} />}
                        </ListItemButton>
                      </ListItem>
                    ))}
                  </List>
                )}
              </>
            )}
          </section>
          {ineligible.length > 0 && (
            <section aria-labelledby="assign-others">
              <Typography id="assign-others" component="h3" variant="subtitle1">
                {t("assign.others")}
              </Typography>
              <List dense aria-labelledby="assign-others">
                {ineligible.map((c) => (
                  <ListItem key={c.executor_id} data-testid="ineligible">
                    <ListItemText primary={c.full_name} secondary={c.reasons.map(reason).join("; ")} />
                    {isCurrent(c.executor_id) && <Chip size="small" label={t("assign.current")} />}
                  </ListItem>
                ))}
              </List>
            </section>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{tc("common.cancel")}</Button>
        <Button variant="contained" onClick={submit} disabled={!chosen || action.isPending}>
          {chosen ? t(`${mode}.submit`) : t("assign.choose")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
