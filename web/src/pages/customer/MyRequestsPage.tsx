import AddIcon from "@mui/icons-material/Add";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { StateChip } from "../../components/StateChip";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { PageLoading } from "../../layout/PageLoading";
import type { RequestView } from "../../requests/useRequestAction";
import { categoryLabel } from "../../requests/categories";
import { useFormats } from "../../format";
import { SlaHint } from "./SlaHint";

const PAGE_SIZE = 20;

export default function MyRequestsPage() {
  const { t } = useTranslation("customer");
  const { t: tc } = useTranslation();
  // Under ["requests", …]: the live stream refetches it when any of them moves.
  const query = useInfiniteQuery({
    queryKey: ["requests", "mine"],
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/requests", {
          params: { query: { sort: "-created_at", limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const requests = query.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Box sx={{ maxWidth: 960, mx: "auto" }}>
      <Stack direction="row" sx={{ alignItems: "center", justifyContent: "space-between", mb: 2, flexWrap: "wrap", gap: 1 }}>
        <Typography component="h1" variant="h5">
          {t("list.title")}
        </Typography>
        <Button component={RouterLink} to="/requests/new" variant="contained" startIcon={<AddIcon />}>
          {t("list.newRequest")}
        </Button>
      </Stack>
      {query.isPending && <PageLoading />}
      {query.isError && !query.data && (
        <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
          <ProblemAlert error={query.error} />
          <Button onClick={() => void query.refetch()}>{tc("common.retry")}</Button>
        </Stack>
      )}
      {query.isSuccess && requests.length === 0 && (
        <Paper sx={{ p: 4, textAlign: "center" }}>
          <Typography sx={{ mb: 2 }}>{t("list.empty")}</Typography>
          <Button component={RouterLink} to="/requests/new" variant="outlined">
            {t("list.emptyAction")}
          </Button>
        </Paper>
      )}
      {requests.length > 0 && (
        <Paper>
          <List aria-label={t("list.title")} disablePadding>
            {requests.map((request) => (
              <RequestRow key={request.id} request={request} />
            ))}
          </List>
        </Paper>
      )}
      {requests.length > 0 && (
        <Stack direction="row" spacing={2} sx={{ mt: 2, alignItems: "center", justifyContent: "space-between", flexWrap: "wrap" }}>
          <Typography variant="body2" color="text.secondary" role="status">
            {t("list.count", { count: requests.length })}
          </Typography>
          {query.hasNextPage && (
            <Button variant="outlined" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? t("list.loadingMore") : t("list.more")}
            </Button>
          )}
        </Stack>
      )}
      {query.isFetchNextPageError && <ProblemAlert error={query.error} />}
    </Box>
  );
}

function RequestRow({ request }: { request: RequestView }) {
  const { t } = useTranslation("customer");
  const formats = useFormats();
  return (
    <ListItem disablePadding divider>
      <ListItemButton component={RouterLink} to={`/requests/${request.id}`} sx={{ py: 1.5 }}>
        <Stack spacing={0.5} sx={{ width: "100%", minWidth: 0 }}>
          <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap", rowGap: 0.5 }}>
            <StateChip state={request.state} />
            <Typography component="span" sx={{ fontWeight: 600 }}>
              {categoryLabel(t, request.category)}
            </Typography>
            <Typography component="span" variant="body2" color="text.secondary">
              {t("list.created", { time: formats.moment(request.created_at) })}
            </Typography>
          </Stack>
          <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
            {request.address}
          </Typography>
          <SlaHint request={request} />
        </Stack>
      </ListItemButton>
    </ListItem>
  );
}
