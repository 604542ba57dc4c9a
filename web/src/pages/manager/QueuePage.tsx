// The dispatcher's desk: the open requests, live, with the selected one in a drawer and
// the common moves on single keys.
import KeyboardIcon from "@mui/icons-material/Keyboard";
import Box from "@mui/material/Box";
import IconButton from "@mui/material/IconButton";
import Stack from "@mui/material/Stack";
import Tooltip from "@mui/material/Tooltip";
import Typography from "@mui/material/Typography";
import { useGridApiRef, type GridPaginationModel } from "@mui/x-data-grid";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { liveEvents } from "../../live/liveEvents";
import { AssignDialog } from "./AssignDialog";
import { QueueFilters } from "./QueueFilters";
import { PAGE_SIZES, QueueGrid } from "./QueueGrid";
import { ReasonDialog } from "./ReasonDialog";
import { mayOpen, RequestDrawer, type DialogKind } from "./RequestDrawer";
import { ShortcutsHelp } from "./ShortcutsHelp";
import { useExecutors, useQueuePage, useRequest, type QueueFilters as Filters, type RequestView, type SortParam } from "./queueApi";
import { DEFAULT_SORT, readQueue, writeQueue } from "./queueUrl";
import { useShortcuts, type ShortcutMove } from "./useShortcuts";

const CHANGED_FOR_MS = 5000;
const FOCUS_AFTER_CLOSE_MS = 150;

interface Paging {
  /** The filters and sort these cursors belong to: any change starts again at page one. */
  identity: string;
  page: number;
  pageSize: number;
  /** cursors[n] fetches page n; page 0 needs none. */
  cursors: (string | null)[];
}

/** Rows that changed live in the last few seconds, to flash in the grid. */
function useRecentlyChanged(): ReadonlySet<string> {
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const unsubscribe = liveEvents.subscribe(({ request }) => {
      setChanged((current) => new Set(current).add(request.id));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setChanged((current) => {
          const next = new Set(current);
          next.delete(request.id);
          return next;
        });
      }, CHANGED_FOR_MS);
      timers.add(timer);
    });
    return () => {
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
    };
  }, []);
  return changed;
}

export default function QueuePage() {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  const { requestId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const [searchParams, setSearchParams] = useSearchParams();
  const { filters, sort } = useMemo(() => readQueue(searchParams), [searchParams]);
  const identity = searchParams.toString();

  const [stored, setPaging] = useState<Paging>({ identity, page: 0, pageSize: PAGE_SIZES[1] ?? 50, cursors: [null] });
  const paging = stored.identity === identity ? stored : { ...stored, identity, page: 0, cursors: [null] };
  const cursor = paging.cursors[paging.page] ?? null;
  const queue = useQueuePage(filters, sort, paging.pageSize, cursor);
  const rows = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const nextCursor = queue.data?.next_cursor ?? null;

  const executors = useExecutors();
  const names = useMemo(() => new Map((executors.data ?? []).map((e) => [e.id, e.full_name])), [executors.data]);
  const assigneeName = useCallback(
    (id: string | null) => (id ? (names.get(id) ?? t("unknownExecutor", { id: id.slice(0, 8) })) : t("unassigned")),
    [names, t],
  );

  const changed = useRecentlyChanged();
  const apiRef = useGridApiRef();
  const filtersRef = useRef<HTMLElement>(null);
  const [selectedId, setSelectedId] = useState<string | null>(requestId ?? null);
  const [dialog, setDialog] = useState<{ kind: DialogKind; request: RequestView } | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const opened = useRequest(requestId);

  const setQueue = (next: Filters, nextSort: SortParam) => {
    setSearchParams(writeQueue(next, nextSort));
  };

  const onPage = (model: GridPaginationModel) => {
    if (model.pageSize !== paging.pageSize) {
      setPaging({ identity, page: 0, pageSize: model.pageSize, cursors: [null] });
      return;
    }
    const cursors = [...paging.cursors];
    if (model.page === paging.page + 1) cursors[model.page] = nextCursor;
    // Unknown row count: the grid only steps one page on or back, so a cursor is always known.
    if (model.page > 0 && !cursors[model.page]) return;
    setPaging({ identity, page: model.page, pageSize: paging.pageSize, cursors });
  };

  const open = (id: string) => {
    setSelectedId(id);
    void navigate({ pathname: `/queue/${id}`, search: location.search });
  };
  const close = () => {
    void navigate({ pathname: "/queue", search: location.search });
  };

  const move = (step: 1 | -1) => {
    if (rows.length === 0) return;
    const at = rows.findIndex((r) => r.id === selectedId);
    const index = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + step));
    const row = rows[index];
    if (!row) return;
    setSelectedId(row.id);
    apiRef.current?.scrollToIndexes({ rowIndex: index });
    if (requestId) void navigate({ pathname: `/queue/${row.id}`, search: location.search }, { replace: true });
  };

  const target: RequestView | undefined = requestId
    ? (opened.data ?? rows.find((r) => r.id === requestId))
    : rows.find((r) => r.id === selectedId);

  const startAction = (kind: DialogKind) => {
    if (!target) return;
    if (!mayOpen(kind, target)) {
      notices.say(t("notAllowed", { action: tc(`action.${kind}`) }), "info");
      return;
    }
    setDialog({ kind, request: target });
  };

  useShortcuts(dialog === null && !helpOpen, (key: ShortcutMove) => {
    switch (key) {
      case "next":
        move(1);
        break;
      case "previous":
        move(-1);
        break;
      case "open":
        if (selectedId && !requestId) open(selectedId);
        break;
      case "close":
        if (requestId) close();
        break;
      case "assign":
        // Assign (a new request) and reassign (an assigned or accepted one) never apply at
        // once, and both choose an executor: one key for both.
        startAction(target && !mayOpen("assign", target) && mayOpen("reassign", target) ? "reassign" : "assign");
        break;
      case "resolve":
      case "withdraw":
      case "cancel":
        startAction(key);
        break;
      case "filters": {
        const focus = () => filtersRef.current?.querySelector<HTMLElement>("[role='combobox'], input")?.focus();
        if (requestId) {
          close();
          // After the drawer has given focus back to where it came from.
          setTimeout(focus, FOCUS_AFTER_CLOSE_MS);
        } else focus();
        break;
      }
      case "queue":
        setDialog(null);
        if (requestId) close();
        else void navigate({ pathname: "/queue", search: location.search });
        break;
      case "help":
        setHelpOpen(true);
        break;
    }
  });

  return (
    <Box sx={{ display: "flex", flexDirection: "column", height: { xs: "auto", md: "calc(100vh - 112px)" }, minHeight: 480 }}>
      <Stack direction="row" sx={{ alignItems: "center", mb: 2, gap: 1 }}>
        <Typography component="h1" variant="h5" sx={{ flexGrow: 1 }}>
          {t("title")}
        </Typography>
        <Tooltip title={`${t("shortcuts.open")} (?)`}>
          <IconButton onClick={() => { setHelpOpen(true); }} aria-label={t("shortcuts.open")} aria-keyshortcuts="?">
            <KeyboardIcon />
          </IconButton>
        </Tooltip>
      </Stack>
      <QueueFilters
        ref={filtersRef}
        value={filters}
        onChange={(next) => { setQueue(next, sort); }}
        executors={executors.data ?? []}
      />
      <ProblemAlert error={queue.error} />
      <Box sx={{ flexGrow: 1, minHeight: 400, height: { xs: 560, md: "auto" } }}>
        <QueueGrid
          apiRef={apiRef}
          rows={rows}
          loading={queue.isFetching && (queue.isPlaceholderData || queue.isPending)}
          page={paging.page}
          pageSize={paging.pageSize}
          hasNextPage={nextCursor !== null}
          sort={sort}
          selectedId={selectedId}
          changed={changed}
          assigneeName={assigneeName}
          onPage={onPage}
          onSort={(next) => { setQueue(filters, next ?? DEFAULT_SORT); }}
          onSelect={setSelectedId}
          onOpen={open}
        />
      </Box>
      {requestId && (
        <RequestDrawer
          requestId={requestId}
          row={rows.find((r) => r.id === requestId)}
          assigneeName={assigneeName}
          onClose={close}
          onAction={(kind, request) => { setDialog({ kind, request }); }}
        />
      )}
      {(dialog?.kind === "assign" || dialog?.kind === "reassign") && (
        <AssignDialog mode={dialog.kind} request={dialog.request} onClose={() => { setDialog(null); }} />
      )}
      {(dialog?.kind === "cancel" || dialog?.kind === "resolve" || dialog?.kind === "withdraw") && (
        <ReasonDialog kind={dialog.kind} request={dialog.request} onClose={() => { setDialog(null); }} />
      )}
      {helpOpen && <ShortcutsHelp onClose={() => { setHelpOpen(false); }} />}
    </Box>
  );
}
