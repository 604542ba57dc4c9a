// HR's desk: payouts recorded in a period with their totals and the CSV for accounting,
// each request's paperwork, and the requests whose paperwork failed and waits for a retry.
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import TableCell from "@mui/material/TableCell";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { api } from "../../api/client";
import { downloadFile } from "../../api/download";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { notices } from "../../feedback/notices";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { PageLoading } from "../../layout/PageLoading";
import { useFormats } from "../../format";
import { DataTable, LoadMore, Panel } from "./deskParts";

type Payout = components["schemas"]["PayoutPublic"];
type DocumentKind = components["schemas"]["DocumentPublic"]["kind"];

const PAGE_SIZE = 100;
const MAX_DAYS = 366; // the API's longest period
const DAY_MS = 86_400_000;

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function monthOf(offset: number): { from: string; to: string } {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth() + offset, 1);
  const last = new Date(now.getFullYear(), now.getMonth() + offset + 1, 0);
  return { from: isoDay(first), to: isoDay(offset === 0 ? now : last) };
}

function periodProblem(from: string, to: string): "missing" | "order" | "length" | null {
  if (!from || !to) return "missing";
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
  if (Number.isNaN(days)) return "missing";
  if (days < 0) return "order";
  return days > MAX_DAYS ? "length" : null;
}

interface Total {
  currency: string;
  count: number;
  gross: number;
  commission: number;
  net: number;
}

// In kopecks (or cents): a float sum of many amounts drifts.
function totalsOf(payouts: Payout[]): Total[] {
  const minor = (amount: string) => Math.round(Number(amount) * 100);
  const byCurrency = new Map<string, Total>();
  for (const payout of payouts) {
    const total = byCurrency.get(payout.currency) ?? { currency: payout.currency, count: 0, gross: 0, commission: 0, net: 0 };
    total.count += 1;
    total.gross += minor(payout.gross);
    total.commission += minor(payout.commission);
    total.net += minor(payout.net);
    byCurrency.set(payout.currency, total);
  }
  return [...byCurrency.values()];
}

export function csvPath(from: string, to: string): string {
  return `/payouts.csv?${new URLSearchParams({ from, to }).toString()}`;
}

export default function PayoutsPage() {
  const { t } = useTranslation("desks");
  const [search, setSearch] = useSearchParams();
  const fallback = monthOf(0);
  const from = search.get("from") ?? fallback.from;
  const to = search.get("to") ?? fallback.to;
  const invalid = periodProblem(from, to);

  const setPeriod = (next: { from?: string; to?: string }) => {
    setSearch((previous) => {
      const params = new URLSearchParams(previous);
      params.set("from", next.from ?? from);
      params.set("to", next.to ?? to);
      return params;
    });
  };

  return (
    <Stack spacing={2}>
      <Typography component="h1" variant="h5">
        {t("payouts.title")}
      </Typography>
      <Paper component="section" aria-labelledby="period-heading" sx={{ p: 2 }}>
        <Typography id="period-heading" component="h2" variant="h6" sx={{ mb: 2 }}>
          {t("payouts.period")}
        </Typography>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ alignItems: { sm: "center" }, flexWrap: "wrap" }} useFlexGap>
          <TextField
            type="date"
            size="small"
            label={t("payouts.from")}
            value={from}
            onChange={(event) => { setPeriod({ from: event.target.value }); }}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            type="date"
            size="small"
            label={t("payouts.to")}
            value={to}
            onChange={(event) => { setPeriod({ to: event.target.value }); }}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <Button onClick={() => { setPeriod(monthOf(0)); }}>{t("payouts.thisMonth")}</Button>
          <Button onClick={() => { setPeriod(monthOf(-1)); }}>{t("payouts.lastMonth")}</Button>
          <Button
            variant="contained"
            disabled={invalid !== null}
            onClick={() => {
              downloadFile(csvPath(from, to), `payouts-${from}-${to}.csv`).catch((error: unknown) => { notices.error(error); });
            }}
          >
            {t("payouts.csv")}
          </Button>
        </Stack>
        {invalid && (
          <Alert severity="warning" role="status" sx={{ mt: 2 }}>
            {t(`payouts.invalid.${invalid}`)}
          </Alert>
        )}
      </Paper>
      {!invalid && <PayoutList key={`${from}..${to}`} from={from} to={to} />}
      <ParkedPaperwork />
    </Stack>
  );
}

function PayoutList({ from, to }: { from: string; to: string }) {
  const { t } = useTranslation("desks");
  const { day, money, percent } = useFormats();
  const [documentsOf, setDocumentsOf] = useState<Payout | null>(null);
  const [loadingAll, setLoadingAll] = useState(false);
  const payouts = useInfiniteQuery({
    queryKey: ["payouts", from, to],
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/payouts", { params: { query: { from, to, limit: PAGE_SIZE, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const rows = payouts.data?.pages.flatMap((page) => page.items) ?? [];
  const totals = totalsOf(rows);

  const loadAll = async () => {
    setLoadingAll(true);
    try {
      for (let result = await payouts.fetchNextPage(); result.hasNextPage && !result.isError; ) {
        result = await result.fetchNextPage();
      }
    } finally {
      setLoadingAll(false);
    }
  };

  return (
    <Panel id="payouts-heading" title={t("payouts.list")} status={payouts}>
      {payouts.isSuccess && (
        <Box aria-labelledby="totals-heading" role="group">
          <Typography id="totals-heading" component="h3" variant="subtitle1">
            {t("payouts.totals")}
          </Typography>
          {totals.length === 0 && <Typography color="text.secondary">{t("payouts.empty")}</Typography>}
          {totals.map((total) => (
            <Typography key={total.currency} data-testid={`total-${total.currency}`}>
              {t("payouts.totalLine", {
                count: total.count,
                gross: money(total.gross / 100, total.currency),
                commission: money(total.commission / 100, total.currency),
                net: money(total.net / 100, total.currency),
              })}
            </Typography>
          ))}
          {payouts.hasNextPage && (
            <Stack direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ alignItems: { sm: "center" }, mt: 1 }}>
              <Typography variant="body2" color="text.secondary">
                {t("payouts.partialTotals", { count: rows.length })}
              </Typography>
              <Button size="small" disabled={loadingAll} onClick={() => { void loadAll(); }}>
                {t("payouts.loadAll")}
              </Button>
            </Stack>
          )}
        </Box>
      )}
      {rows.length > 0 && (
        <DataTable
          labelledBy="payouts-heading"
          columns={[
            { label: t("payouts.recordedOn") },
            { label: t("payouts.executor") },
            { label: t("payouts.gross"), align: "right" },
            { label: t("payouts.commission"), align: "right" },
            { label: t("payouts.net"), align: "right" },
            { label: t("payouts.documents") },
          ]}
        >
          {rows.map((payout) => (
            <TableRow key={payout.request_id}>
              <TableCell>{day(payout.recorded_on)}</TableCell>
              <TableCell>
                {payout.executor_name}
                <Typography variant="body2" color="text.secondary">
                  {payout.executor_inn ? t("payouts.inn", { inn: payout.executor_inn }) : t("payouts.noInn")}
                </Typography>
              </TableCell>
              <TableCell align="right">{money(payout.gross, payout.currency)}</TableCell>
              <TableCell align="right">
                {money(payout.commission, payout.currency)}
                <Typography variant="body2" color="text.secondary">
                  {percent(payout.commission_rate)}
                </Typography>
              </TableCell>
              <TableCell align="right">{money(payout.net, payout.currency)}</TableCell>
              <TableCell>
                <Button
                  size="small"
                  aria-label={t("payouts.documentsOf", { name: payout.executor_name, date: day(payout.recorded_on) })}
                  onClick={() => { setDocumentsOf(payout); }}
                >
                  {t("payouts.documents")}
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
      <LoadMore query={payouts} />
      {documentsOf && <DocumentsDialog payout={documentsOf} onClose={() => { setDocumentsOf(null); }} />}
    </Panel>
  );
}

const DOCUMENT_KINDS: readonly DocumentKind[] = ["act", "contract", "payout"];

function DocumentsDialog({ payout, onClose }: { payout: Payout; onClose: () => void }) {
  const { t } = useTranslation("desks");
  const { t: common } = useTranslation();
  const { moment } = useFormats();
  const requestId = payout.request_id;
  const documents = useQuery({
    queryKey: ["documents", requestId],
    queryFn: async () =>
      unwrap(await api.GET("/requests/{request_id}/documents", { params: { path: { request_id: requestId } } })),
  });
  return (
    <Dialog open onClose={onClose} aria-labelledby="documents-heading" fullWidth maxWidth="sm">
      <DialogTitle id="documents-heading">{t("payouts.documentsTitle", { name: payout.executor_name })}</DialogTitle>
      <DialogContent>
        {documents.isPending && <PageLoading />}
        <ProblemAlert error={documents.error} />
        {documents.data?.length === 0 && <Typography color="text.secondary">{t("payouts.noDocuments")}</Typography>}
        <List>
          {documents.data?.map((document) => (
            <ListItem
              key={document.id}
              secondaryAction={
                <Button
                  onClick={() => {
                    downloadFile(document.download_url, document.file_name).catch((error: unknown) => { notices.error(error); });
                  }}
                  aria-label={t("payouts.downloadNamed", { name: document.file_name })}
                >
                  {t("payouts.download")}
                </Button>
              }
            >
              <ListItemText
                primary={`${DOCUMENT_KINDS.includes(document.kind) ? t(`documentKind.${document.kind}`) : document.kind} № ${document.number}`}
                secondary={t("payouts.documentLine", { version: document.version, created: moment(document.created_at) })}
              />
            </ListItem>
          ))}
        </List>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{common("common.close")}</Button>
      </DialogActions>
    </Dialog>
  );
}

// GET /requests has no paperwork filter: parked requests are confirmed ones marked so.
function ParkedPaperwork() {
  const { t } = useTranslation("desks");
  const { moment } = useFormats();
  const queryClient = useQueryClient();
  const confirmed = useInfiniteQuery({
    queryKey: ["requests", { state: "confirmed", paperwork: "failed" }],
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/requests", {
          params: { query: { state: ["confirmed"], sort: "updated_at", limit: 200, cursor: pageParam } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const retry = useMutation({
    mutationFn: async (requestId: string) =>
      unwrap(await api.POST("/requests/{request_id}/paperwork/retry", { params: { path: { request_id: requestId } } })),
    onSuccess: (request) => {
      queryClient.setQueryData(["request", request.id], request);
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      notices.say(t("paperwork.retried"));
    },
  });
  const loaded = confirmed.data?.pages.flatMap((page) => page.items) ?? [];
  const parked = loaded.filter((request) => request.paperwork_failed);
  const seen = loaded.length;

  return (
    <Panel id="parked-heading" title={t("paperwork.title")} status={confirmed}>
      {confirmed.isSuccess && parked.length === 0 && (
        <Typography color="text.secondary">
          {confirmed.hasNextPage ? t("paperwork.noneYet", { count: seen }) : t("paperwork.none")}
        </Typography>
      )}
      {parked.length > 0 && (
        <List>
          {parked.map((request) => (
            <ListItem
              key={request.id}
              divider
              secondaryAction={
                <Button
                  variant="outlined"
                  disabled={retry.isPending && retry.variables === request.id}
                  onClick={() => { retry.mutate(request.id); }}
                  aria-label={t("paperwork.retryNamed", { address: request.address })}
                >
                  {t("paperwork.retry")}
                </Button>
              }
              sx={{ pr: 20 }}
            >
              <ListItemText
                primary={`${request.address} · ${request.category}`}
                secondary={t("paperwork.confirmedAt", { when: moment(request.updated_at) })}
              />
            </ListItem>
          ))}
        </List>
      )}
      <LoadMore query={confirmed} />
    </Panel>
  );
}
