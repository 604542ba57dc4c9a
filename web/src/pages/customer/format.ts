import { useMemo } from "react";
import { useTranslation } from "react-i18next";

export interface Formats {
  dateTime: (iso: string) => string;
  money: (amount: string) => string;
  size: (bytes: number) => string;
}

/** Dates, amounts and sizes in the UI language, remade when the user switches it. */
export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    const money = new Intl.NumberFormat(language, { style: "currency", currency: "RUB" });
    const kilobytes = new Intl.NumberFormat(language, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 });
    const megabytes = new Intl.NumberFormat(language, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });
    return {
      dateTime: (iso) => dateTime.format(new Date(iso)),
      // Amounts travel as decimal text; Number is exact enough for display up to 10^8.
      money: (amount) => money.format(Number(amount)),
      size: (bytes) => (bytes < 1024 * 1024 ? kilobytes.format(Math.max(1, bytes / 1024)) : megabytes.format(bytes / (1024 * 1024))),
    };
  }, [language]);
}
