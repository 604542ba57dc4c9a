// Pieces the staff desks share: a titled section with its loading and error states, a
// table under a heading, and the next page of a cursor-paged list.
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell, { type TableCellProps } from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { PageLoading } from "../../layout/PageLoading";

interface PanelProps {
  id: string;
  title: string;
  /** A control beside the heading (a filter). */
  tools?: ReactNode;
  status?: { isPending: boolean; error: unknown };
  children: ReactNode;
}

export function Panel({ id, title, tools, status, children }: PanelProps) {
  return (
    <Paper component="section" aria-labelledby={id} sx={{ p: 2 }}>
      <Stack spacing={2}>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ justifyContent: "space-between" }}>
          <Typography id={id} component="h2" variant="h6">
            {title}
          </Typography>
          {tools}
        </Stack>
        {status?.isPending && <PageLoading />}
        <ProblemAlert error={status?.error} />
        {children}
      </Stack>
    </Paper>
  );
}

export interface Column {
  label: string;
  align?: TableCellProps["align"];
}

/** A table named by the heading `labelledBy`; scrolls sideways on a narrow screen. */
export function DataTable({ labelledBy, columns, children }: { labelledBy: string; columns: Column[]; children: ReactNode }) {
  return (
    <TableContainer>
      <Table size="small" aria-labelledby={labelledBy}>
        <TableHead>
          <TableRow>
            {columns.map((column) => (
              <TableCell key={column.label} align={column.align}>
                {column.label}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>{children}</TableBody>
      </Table>
    </TableContainer>
  );
}

interface Pager {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The next page of a cursor-paged list, on request. */
export function LoadMore({ query }: { query: Pager }) {
  const { t } = useTranslation("desks");
  if (!query.hasNextPage) return null;
  return (
    <Button
      variant="text"
      sx={{ alignSelf: "flex-start" }}
      disabled={query.isFetchingNextPage}
      onClick={() => { void query.fetchNextPage(); }}
    >
      {query.isFetchingNextPage ? t("shared.loading") : t("shared.loadMore")}
    </Button>
  );
}
