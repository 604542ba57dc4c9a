// Each executor's offers and work in the period, by name, sortable.
import { DataGrid, type GridColDef } from "@mui/x-data-grid";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import { useGridLocaleText } from "../../components/gridLocale";
import { cspNonce } from "../../theme/cspNonce";
import { useReportFormats } from "./format";
import { useLabels } from "./labels";
import { ReportSection } from "./ReportSection";
import { useReport, type ReportQuery, type Reports } from "./reportsApi";

type Row = Reports["executors"]["executors"][number] & { name: string };

export function ExecutorsSection({ query }: { query: ReportQuery }) {
  const { t } = useTranslation("reports");
  const f = useReportFormats();
  const labels = useLabels();
  const report = useReport("executors", query);

  const rows = useMemo<Row[]>(
    () => (report.data?.executors ?? []).map((row) => ({ ...row, name: labels.executor(row.executor_id) })),
    [report.data, labels],
  );
  const columns = useMemo<GridColDef<Row>[]>(() => {
    const number = (field: keyof Row, header: string, format: (value: number | null) => string, width = 120): GridColDef<Row> => ({
      field,
      headerName: header,
      type: "number",
      width,
      valueFormatter: (value: number | null) => format(value),
    });
    return [
      { field: "name", headerName: t("executors.name"), flex: 1, minWidth: 180 },
      number("assigned", t("executors.assigned"), f.count),
      number("accepted", t("executors.accepted"), f.count),
      number("acceptance_pct", t("executors.acceptancePct"), f.pct, 130),
      number("declined", t("executors.declined"), f.count),
      number("decline_pct", t("executors.declinePct"), f.pct, 130),
      number("completed", t("executors.completed"), f.count),
      number("active_days", t("executors.activeDays"), f.count),
      number("jobs_per_day", t("executors.jobsPerDay"), f.decimal),
      number("busy_share", t("executors.busyShare"), f.share),
      number("rating", t("executors.rating"), f.decimal, 100),
    ];
  }, [t, f]);
  const localeText = useGridLocaleText();

  return (
    <ReportSection report="executors" query={query} title={t("executors.title")} status={report} empty={rows.length === 0}>
      <DataGrid<Row>
        {...(cspNonce ? { nonce: cspNonce } : {})}
        aria-labelledby="report-executors"
        rows={rows}
        getRowId={(row) => row.executor_id}
        columns={columns}
        density="compact"
        localeText={localeText}
        disableRowSelectionOnClick
        disableColumnFilter
        initialState={{ sorting: { sortModel: [{ field: "completed", sort: "desc" }] }, pagination: { paginationModel: { pageSize: 25 } } }}
        pageSizeOptions={[25, 50, 100]}
        autoHeight
        sx={{ minWidth: 0 }}
      />
    </ReportSection>
  );
}
