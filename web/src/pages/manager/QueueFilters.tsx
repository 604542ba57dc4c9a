import CheckIcon from "@mui/icons-material/Check";
import Autocomplete from "@mui/material/Autocomplete";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import InputLabel from "@mui/material/InputLabel";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import MenuItem from "@mui/material/MenuItem";
import OutlinedInput from "@mui/material/OutlinedInput";
import Select from "@mui/material/Select";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import { useMemo, type Ref } from "react";
import { useTranslation } from "react-i18next";

import type { State } from "../../components/StateChip";
import { ALL_STATES, DEFAULT_FILTERS, type Executor, type QueueFilters as Filters } from "./queueApi";

interface Props {
  value: Filters;
  onChange: (next: Filters) => void;
  executors: readonly Executor[];
  ref?: Ref<HTMLElement>;
}

export function QueueFilters({ value, onChange, executors, ref }: Props) {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const categories = useMemo(() => [...new Set(executors.flatMap((e) => e.skills))].sort(), [executors]);
  const byName = useMemo(() => [...executors].sort((a, b) => a.full_name.localeCompare(b.full_name)), [executors]);
  const executor = executors.find((e) => e.id === value.assigneeId) ?? null;
  const stateLabel = (s: State) => tc(`state.${s}`);

  return (
    <Box
      component="section"
      ref={ref}
      aria-label={t("filters.label")}
      sx={{ display: "flex", flexWrap: "wrap", gap: 2, alignItems: "center", mb: 2 }}
    >
      <FormControl size="small" sx={{ width: { xs: "100%", sm: "auto" }, minWidth: 220, maxWidth: { sm: 420 } }}>
        <InputLabel id="queue-state-label">{t("filters.state")}</InputLabel>
        <Select<State[]>
          labelId="queue-state-label"
          multiple
          value={value.states}
          onChange={(e) => {
            const states = typeof e.target.value === "string" ? (e.target.value.split(",") as State[]) : e.target.value;
            onChange({ ...value, states });
          }}
          input={<OutlinedInput label={t("filters.state")} />}
          renderValue={(selected) => selected.map(stateLabel).join(", ")}
        >
          {ALL_STATES.map((s) => (
            <MenuItem key={s} value={s}>
              <ListItemIcon>{value.states.includes(s) && <CheckIcon fontSize="small" />}</ListItemIcon>
              <ListItemText primary={stateLabel(s)} />
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <Autocomplete
        freeSolo
        autoSelect
        size="small"
        options={categories}
        value={value.category || null}
        onChange={(_e, next) => { onChange({ ...value, category: (next ?? "").trim().toLowerCase() }); }}
        sx={{ width: { xs: "100%", sm: 200 } }}
        renderInput={(params) => <TextField {...params} label={t("filters.category")} />}
      />
      <Autocomplete
        size="small"
        options={byName}
        value={executor}
        getOptionLabel={(e) => e.full_name}
        isOptionEqualToValue={(a, b) => a.id === b.id}
        onChange={(_e, next) => { onChange({ ...value, assigneeId: next?.id ?? "" }); }}
        sx={{ width: { xs: "100%", sm: 240 } }}
        renderInput={(params) => <TextField {...params} label={t("filters.executor")} placeholder={t("filters.anyExecutor")} />}
      />
      <FormControlLabel
        control={<Switch checked={value.slaBreachedOnly} onChange={(e) => { onChange({ ...value, slaBreachedOnly: e.target.checked }); }} />}
        label={t("filters.slaBreached")}
      />
      <Button onClick={() => { onChange(DEFAULT_FILTERS); }}>{t("filters.reset")}</Button>
    </Box>
  );
}
