// A chart under its caption, with the same figures as a table: always there for a screen
// reader (the drawing itself is hidden from it), on screen when asked for.
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";

import { lazy, Suspense, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import type { ChartSpec } from "./chartSpec";
import { NONE } from "./format";
import { visuallyHidden } from "./ReportSection";

const Chart = lazy(() => import("./Chart"));

export function ChartFigure({ title, spec, categoryLabel }: { title: string; spec: ChartSpec; categoryLabel: string }) {
  const { t } = useTranslation("reports");
  const [tableShown, setTableShown] = useState(false);
  const id = useId();
  const captionId = `${id}-caption`;
  const tableId = `${id}-table`;

  return (
    <Box component="figure" aria-labelledby={captionId} sx={{ m: 0, minWidth: 0 }}>
      <Stack direction="row" spacing={1} sx={{ justifyContent: "space-between", alignItems: "center" }}>
        <Typography id={captionId} component="figcaption" variant="subtitle1">
          {title}
        </Typography>
        <Button
          size="small"
          aria-expanded={tableShown}
          aria-controls={tableId}
          onClick={() => { setTableShown((shown) => !shown); }}
        >
          {tableShown ? t("chart.hideTable") : t("chart.showTable")}
        </Button>
      </Stack>
      <Box aria-hidden="true" sx={{ width: "100%" }}>
        <Suspense fallback={<Skeleton variant="rounded" height={280} />}>
          <Chart spec={spec} />
        </Suspense>
      </Box>
      <TableContainer id={tableId} sx={tableShown ? { mt: 1 } : visuallyHidden}>
        <Table size="small" aria-labelledby={captionId}>
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                {categoryLabel}
              </TableCell>
              {spec.series.map((series) => (
                <TableCell key={series.label} component="th" scope="col" align="right">
                  {series.label}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {spec.categories.map((category, row) => (
              <TableRow key={category}>
                <TableCell component="th" scope="row">
                  {category}
                </TableCell>
                {spec.series.map((series) => {
                  const value = series.data[row];
                  return (
                    <TableCell key={series.label} align="right">
                      {value === null || value === undefined ? NONE : (series.format ?? spec.format)(value)}
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}
