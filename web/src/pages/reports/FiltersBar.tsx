// The reports' period (with 7/30/90-day presets) and slices: category, district, executor.
import Alert from "@mui/material/Alert";
import Autocomplete from "@mui/material/Autocomplete";
import Button from "@mui/material/Button";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { CATEGORIES, useCategoryLabel } from "../../requests/categories";
import { useExecutors } from "../manager/queueApi";
import { lastDays, PRESETS, type Filters } from "./filters";
import { DISTRICTS } from "./labels";
import { visuallyHidden } from "./ReportSection";

const ALL = "";

export type Slice = "category" | "district" | "executor";

export function FiltersBar({ filters, slices }: { filters: Filters; slices: readonly Slice[] }) {
  const { t } = useTranslation("reports");
  const categoryName = useCategoryLabel();
  const { query, preset, problem, set } = filters;

  return (
    <Paper component="section" aria-labelledby="report-filters" sx={{ p: 2 }}>
      <Typography id="report-filters" component="h2" sx={visuallyHidden}>
        {t("filters.title")}
      </Typography>
      <Stack direction={{ xs: "column", md: "row" }} spacing={2} useFlexGap sx={{ flexWrap: "wrap", alignItems: { md: "center" } }}>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={preset}
          aria-label={t("filters.presets")}
          onChange={(_event, days: number | null) => {
            if (days !== null) set(lastDays(days));
          }}
        >
          {PRESETS.map((days) => (
            <ToggleButton key={days} value={days}>
              {t("filters.lastDays", { count: days })}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        <TextField
          type="date"
          size="small"
          label={t("filters.from")}
          value={query.from}
          onChange={(event) => { set({ from: event.target.value }); }}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          type="date"
          size="small"
          label={t("filters.to")}
          value={query.to}
          onChange={(event) => { set({ to: event.target.value }); }}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        {slices.includes("category") && (
          <TextField
            select
            size="small"
            label={t("filters.category")}
            value={query.category ?? ALL}
            onChange={(event) => { set({ category: event.target.value || null }); }}
            sx={{ minWidth: 180 }}
          >
            <MenuItem value={ALL}>{t("filters.allCategories")}</MenuItem>
            {CATEGORIES.map((category) => (
              <MenuItem key={category} value={category}>
                {categoryName(category)}
              </MenuItem>
            ))}
          </TextField>
        )}
        {slices.includes("district") && (
          <TextField
            select
            size="small"
            label={t("filters.district")}
            value={query.district ?? ALL}
            onChange={(event) => { set({ district: event.target.value || null }); }}
            sx={{ minWidth: 160 }}
          >
            <MenuItem value={ALL}>{t("filters.allDistricts")}</MenuItem>
            {DISTRICTS.map((district) => (
              <MenuItem key={district} value={district}>
                {district}
              </MenuItem>
            ))}
          </TextField>
        )}
        {slices.includes("executor") && (
          <ExecutorFilter value={query.executor_id ?? null} onChange={(id) => { set({ executor_id: id }); }} />
        )}
        <Button
          onClick={() => {
            set({ from: null, to: null, category: null, district: null, executor_id: null });
          }}
        >
          {t("filters.reset")}
        </Button>
      </Stack>
      {problem && (
        <Alert severity="warning" role="status" sx={{ mt: 2 }}>
          {t(`filters.invalid.${problem}`)}
        </Alert>
      )}
    </Paper>
  );
}

function ExecutorFilter({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const { t } = useTranslation("reports");
  const executors = useExecutors();
  const options = executors.data ?? [];
  const selected = options.find((executor) => executor.id === value) ?? null;
  return (
    <Stack spacing={1} sx={{ minWidth: 240 }}>
      <Autocomplete
        size="small"
        options={options}
        loading={executors.isPending}
        value={selected}
        getOptionLabel={(executor) => executor.full_name}
        isOptionEqualToValue={(option, chosen) => option.id === chosen.id}
        onChange={(_event, executor) => { onChange(executor?.id ?? null); }}
        noOptionsText={t("filters.noExecutors")}
        loadingText={t("loading")}
        renderInput={(params) => (
          <TextField {...params} label={t("filters.executor")} placeholder={value && !selected ? value : t("filters.allExecutors")} />
        )}
      />
      <ProblemAlert error={executors.error} />
    </Stack>
  );
}
