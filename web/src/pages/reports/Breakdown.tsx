// One figure broken down by a choice of groups (stage, category, district…): a switch
// above a single chart, so a card does not grow a chart per group.
import Stack from "@mui/material/Stack";
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import { useState } from "react";

import { ChartFigure } from "./ChartFigure";
import type { ChartSpec } from "./chartSpec";

export type GroupId = "stage" | "category" | "district" | "tier" | "executor";

export interface Group {
  id: GroupId;
  /** The switch's word and the table's first column ("By district" / "District"). */
  label: string;
  column: string;
  spec: ChartSpec;
}

export function Breakdown({ title, label, groups }: { title: (group: Group) => string; label: string; groups: Group[] }) {
  const [chosen, setChosen] = useState(groups[0]?.id);
  const group = groups.find((g) => g.id === chosen) ?? groups[0];
  if (!group) return null;
  return (
    <Stack spacing={1}>
      <ToggleButtonGroup
        size="small"
        exclusive
        value={group.id}
        aria-label={label}
        onChange={(_event, id: GroupId | null) => {
          if (id) setChosen(id);
        }}
        sx={{ flexWrap: "wrap" }}
      >
        {groups.map((g) => (
          <ToggleButton key={g.id} value={g.id}>
            {g.label}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      <ChartFigure title={title(group)} spec={group.spec} categoryLabel={group.column} />
    </Stack>
  );
}
