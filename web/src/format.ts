// Dates, amounts and sizes in the language the user reads the page in, remade when they
// switch it.
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

export interface Formats {
  /** A calendar date ("2026-12-01"): the same day everywhere, whatever the time zone. */
  day: (isoDate: string) => string;
  /** An instant ("2026-12-01T09:00:00Z") in the user's time zone. */
  moment: (isoDateTime: string) => string;
  /** Amounts travel as decimal text; Number is exact enough for display up to 10^8. */
  money: (amount: string | number, currency?: string) => string;
  percent: (fraction: string | number) => string;
  size: (bytes: number) => string;
}

export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const day = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" });
    const moment = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    const percent = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 2 });
    const kilobytes = new Intl.NumberFormat(language, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 });
    const megabytes = new Intl.NumberFormat(language, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });
    return {
      day: (isoDate) => day.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`)),
      moment: (isoDateTime) => moment.format(new Date(isoDateTime)),
      money: (amount, currency = "RUB") => new Intl.NumberFormat(language, { style: "currency", currency }).format(Number(amount)),
      percent: (fraction) => percent.format(Number(fraction)),
      size: (bytes) => (bytes < 1024 * 1024 ? kilobytes.format(Math.max(1, bytes / 1024)) : megabytes.format(bytes / (1024 * 1024))),
    };
  }, [language]);
}
