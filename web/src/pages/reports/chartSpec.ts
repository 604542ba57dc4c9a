export interface ChartSeries {
  label: string;
  data: (number | null)[];
  stack?: string;
  /** How this series' values read, when not as the chart's value axis. */
  format?: (value: number) => string;
  /** A column of the table only (a count beside the percentage drawn). */
  tableOnly?: boolean;
}

/** What a report chart shows, already in the user's language; its table is made from the same. */
export interface ChartSpec {
  kind: "bar" | "line";
  /** The category (x) axis, formatted. */
  categories: string[];
  series: ChartSeries[];
  /** Bars along the value axis to the right, for long category names. */
  horizontal?: boolean;
  format: (value: number) => string;
}
