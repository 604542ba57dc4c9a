// The drawing of a report's chart (MUI X Charts), loaded apart from the page: the tiles and
// tables come first, and no other page ever downloads the charts.
import { BarChart } from "@mui/x-charts/BarChart";
import { LineChart } from "@mui/x-charts/LineChart";

import type { ChartSpec } from "./chartSpec";

const HEIGHT = 280;

export default function Chart({ spec }: { spec: ChartSpec }) {
  const format = (value: number | null) => (value === null ? "" : spec.format(value));
  const series = spec.series.filter((s) => !s.tableOnly).map((s) => ({
    label: s.label,
    data: s.data,
    valueFormatter: format,
    ...(s.stack ? { stack: s.stack } : {}),
  }));
  const band = { scaleType: "band" as const, data: spec.categories };
  const valueFormatter = (value: number) => spec.format(value);

  if (spec.kind === "line") {
    return (
      <LineChart
        height={HEIGHT}
        skipAnimation
        // The drawing is hidden from screen readers (its table speaks for it), so it must
        // not take the keyboard's focus either.
        disableKeyboardNavigation
        xAxis={[{ scaleType: "point", data: spec.categories }]}
        yAxis={[{ valueFormatter, width: 72 }]}
        series={series.map((s) => ({ ...s, showMark: spec.categories.length <= 31 }))}
        hideLegend={series.length < 2}
      />
    );
  }
  return (
    <BarChart
      height={spec.horizontal ? Math.max(HEIGHT, spec.categories.length * 36 + 60) : HEIGHT}
      skipAnimation
      disableKeyboardNavigation
      layout={spec.horizontal ? "horizontal" : "vertical"}
      {...(spec.horizontal
        ? { yAxis: [{ ...band, width: 140 }], xAxis: [{ valueFormatter }] }
        : { xAxis: [band], yAxis: [{ valueFormatter, width: 72 }] })}
      series={series}
      hideLegend={series.length < 2}
    />
  );
}
