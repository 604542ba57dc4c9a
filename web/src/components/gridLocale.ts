// The data grids' texts in the user's language. MUI's Russian pack leaves the row counter
// ("1–25 of 130") in English, and an unknown total (server paging) needs its own wording.
import { enUS, ruRU } from "@mui/x-data-grid/locales";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

export function useGridLocaleText() {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(
    () => ({
      ...(language === "en" ? enUS : ruRU).components.MuiDataGrid.defaultProps.localeText,
      paginationDisplayedRows: ({ from, to, count }: { from: number; to: number; count: number }) =>
        count === -1 ? t("grid.rowsMore", { from, to }) : t("grid.rows", { from, to, count }),
    }),
    [language, t],
  );
}
