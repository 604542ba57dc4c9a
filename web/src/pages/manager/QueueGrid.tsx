import Box from "@mui/material/Box";
import { alpha } from "@mui/material/styles";
import {
  DataGrid,
  type GridColDef,
  type GridPaginationModel,
  type GridSortModel,
  type GridApi,
} from "@mui/x-data-grid";
import { useMemo, type RefObject } from "react";
import { useTranslation } from "react-i18next";

import { useGridLocaleText } from "../../components/gridLocale";
import { StateChip } from "../../components/StateChip";
import { DispatchMark } from "./DispatchMark";
import { SlaCountdown } from "./SlaCountdown";
import type { RequestView, SortField, SortParam } from "./queueApi";
import { cspNonce } from "../../theme/cspNonce";
import { useCategoryLabel } from "../../requests/categories";

export const PAGE_SIZES = [25, 50, 100];
const SORTABLE: readonly string[] = ["created_at", "updated_at", "sla_due_at"];

interface Props {
  apiRef: RefObject<GridApi | null>;
  rows: RequestView[];
  loading: boolean;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
  sort: SortParam;
  selectedId: string | null;
  changed: ReadonlySet<string>;
  assigneeName: (id: string | null) => string;
  onPage: (model: GridPaginationModel) => void;
  onSort: (sort: SortParam | null) => void;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
}

function toSortModel(sort: SortParam): GridSortModel {
  return sort.startsWith("-") ? [{ field: sort.slice(1), sort: "desc" }] : [{ field: sort, sort: "asc" }];
}

function fromSortModel(model: GridSortModel): SortParam | null {
  const first = model[0];
  if (!first?.sort || !SORTABLE.includes(first.field)) return null;
  const field = first.field as SortField;
  return first.sort === "desc" ? `-${field}` : field;
}

export function QueueGrid(props: Props) {
  const { t, i18n } = useTranslation("manager");
  const categoryName = useCategoryLabel();
  const { assigneeName, rows, page, pageSize, hasNextPage, changed, selectedId } = props;
  const language = i18n.language;

  const columns = useMemo<GridColDef<RequestView>[]>(() => {
    const when = (iso: string) => new Date(iso).toLocaleString(language, { dateStyle: "short", timeStyle: "short" });
    // The deadline next to the state: it is what a dispatcher scans for first.
    return [
      {
        field: "state",
        headerName: t("columns.state"),
        width: 160,
        sortable: false,
        renderCell: ({ row }) => (
          <Box component="span" sx={{ display: "inline-flex", alignItems: "center", gap: 0.5, height: "100%" }}>
            <StateChip state={row.state} />
            <DispatchMark dispatch={row.dispatch} />
          </Box>
        ),
      },
      { field: "sla_due_at", headerName: t("columns.sla"), width: 320, renderCell: ({ row }) => <SlaCountdown request={row} /> },
      {
        field: "category",
        headerName: t("columns.category"),
        width: 150,
        sortable: false,
        valueFormatter: (value: string) => categoryName(value),
      },
      { field: "address", headerName: t("columns.address"), flex: 1, minWidth: 180, sortable: false },
      { field: "created_at", headerName: t("columns.created"), width: 150, valueFormatter: (value: string) => when(value) },
      { field: "updated_at", headerName: t("columns.updated"), width: 150, valueFormatter: (value: string) => when(value) },
      {
        field: "assignee_id",
        headerName: t("columns.assignee"),
        width: 180,
        sortable: false,
        valueGetter: (value: string | null) => assigneeName(value),
      },
    ];
  }, [t, language, assigneeName, categoryName]);

  const rowCount = hasNextPage ? -1 : page * pageSize + rows.length;
  // Stable objects: the grid takes a new sort model for a sort change and goes back to page one.
  const sortModel = useMemo(() => toSortModel(props.sort), [props.sort]);
  const paginationModel = useMemo(() => ({ page, pageSize }), [page, pageSize]);
  const paginationMeta = useMemo(() => ({ hasNextPage }), [hasNextPage]);
  const selection = useMemo(() => ({ type: "include" as const, ids: new Set(selectedId ? [selectedId] : []) }), [selectedId]);
  const localeText = useGridLocaleText();

  return (
    <DataGrid<RequestView>
      apiRef={props.apiRef}
      {...(cspNonce ? { nonce: cspNonce } : {})}
      aria-label={t("grid.label")}
      rows={rows}
      columns={columns}
      loading={props.loading}
      density="compact"
      localeText={localeText}
      paginationMode="server"
      sortingMode="server"
      filterMode="server"
      disableColumnFilter
      rowCount={rowCount}
      paginationMeta={paginationMeta}
      paginationModel={paginationModel}
      onPaginationModelChange={props.onPage}
      pageSizeOptions={PAGE_SIZES}
      sortModel={sortModel}
      onSortModelChange={(model) => { props.onSort(fromSortModel(model)); }}
      sortingOrder={["desc", "asc"]}
      disableMultipleRowSelection
      hideFooterSelectedRowCount
      rowSelectionModel={selection}
      onRowSelectionModelChange={(model) => {
        const [id] = [...model.ids];
        if (typeof id === "string") props.onSelect(id);
      }}
      onRowClick={({ id }) => { props.onOpen(String(id)); }}
      onCellKeyDown={({ id }, event) => {
        // Enter on a focused row opens it; the page's own Enter would open the selected one.
        if (event.key !== "Enter") return;
        event.preventDefault();
        event.defaultMuiPrevented = true;
        props.onOpen(String(id));
      }}
      getRowClassName={({ id }) => (changed.has(String(id)) ? "queue-row-changed" : "")}
      sx={(theme) => ({
        "& .MuiDataGrid-row": { cursor: "pointer" },
        "& .queue-row-changed": {
          backgroundColor: alpha(theme.palette.warning.main, theme.palette.mode === "dark" ? 0.25 : 0.18),
          "@media (prefers-reduced-motion: no-preference)": { transition: "background-color 600ms ease-out" },
        },
      })}
    />
  );
}
