import Chip, { type ChipProps } from "@mui/material/Chip";
import { useTranslation } from "react-i18next";

import type { components } from "../api/schema";

export type State = components["schemas"]["State"];

const COLOR: Record<State, ChipProps["color"]> = {
  new: "info",
  assigned: "secondary",
  accepted: "secondary",
  in_progress: "primary",
  completed: "warning",
  confirmed: "success",
  closed: "default",
  cancelled: "default",
  disputed: "error",
};

export function StateChip({ state, size = "small" }: { state: State; size?: ChipProps["size"] }) {
  const { t } = useTranslation();
  return <Chip label={t(`state.${state}`)} color={COLOR[state]} size={size} data-state={state} />;
}
