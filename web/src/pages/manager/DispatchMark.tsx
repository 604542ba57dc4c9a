// A mark beside a row's state while the automatic dispatch is at work on it (offering) or
// has given up (escalated: a manager must assign by hand). An icon, not a column: the grid
// is wide already, and a plain SVG with a title costs nothing per virtualized row.
import AutoModeIcon from "@mui/icons-material/AutoMode";
import PersonSearchIcon from "@mui/icons-material/PersonSearch";
import { useTranslation } from "react-i18next";

import type { CascadeState } from "./queueApi";

export function DispatchMark({ dispatch }: { dispatch: CascadeState | null | undefined }) {
  const { t } = useTranslation("manager");
  if (dispatch !== "offering" && dispatch !== "escalated") return null;
  // titleAccess gives the icon role="img" with its name, for screen readers and as a hover hint.
  const label = t("dispatch.mark", { state: t(`dispatch.state.${dispatch}`) });
  return dispatch === "offering" ? (
    <AutoModeIcon fontSize="small" color="action" titleAccess={label} data-dispatch={dispatch} />
  ) : (
    <PersonSearchIcon fontSize="small" color="warning" titleAccess={label} data-dispatch={dispatch} />
  );
}
