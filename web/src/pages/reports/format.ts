// Figures in the language the user reads the page in: counts, percentages, money, calendar
// days and durations ("1 ч 20 мин"), with a dash for a figure the period has none of.
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

export const NONE = "—";

export interface ReportFormats {
  count: (value: number | null | undefined) => string;
  /** A ratio given in percent points (12.5 for 12.5 %). */
  pct: (value: number | null | undefined) => string;
  /** A share given as a fraction (0.125 for 12.5 %). */
  share: (value: number | null | undefined) => string;
  decimal: (value: number | null | undefined) => string;
  money: (amount: string | number | null | undefined) => string;
  /** A calendar date ("2026-12-01"), the same day in every time zone. */
  day: (isoDate: string) => string;
  shortDay: (isoDate: string) => string;
  hour: (hour: number) => string;
  duration: (seconds: number | null | undefined) => string;
}

const UNITS = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
] as const;

export function useReportFormats(): ReportFormats {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const count = new Intl.NumberFormat(language);
    const percent = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 });
    const decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
    const money = new Intl.NumberFormat(language, { style: "currency", currency: "RUB" });
    const day = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" });
    const shortDay = new Intl.DateTimeFormat(language, { day: "numeric", month: "short", timeZone: "UTC" });
    const units = UNITS.map(
      ([unit, size]) => [new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "short" }), size] as const,
    );
    const calendar = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00Z`);
    const known = (value: number | null | undefined): value is number => typeof value === "number" && Number.isFinite(value);

    // The two largest units are enough to compare stages; seconds only under a minute.
    const duration = (seconds: number | null | undefined): string => {
      if (!known(seconds)) return NONE;
      let rest = Math.round(seconds);
      if (rest < 60) return (units[3]?.[0] ?? count).format(rest);
      rest = Math.round(rest / 60) * 60;
      const parts: string[] = [];
      for (const [format, size] of units.slice(0, 3)) {
        const whole = Math.floor(rest / size);
        if (whole > 0 || parts.length > 0) parts.push(format.format(whole));
        rest -= whole * size;
        if (parts.length === 2) break;
      }
      return parts.filter((part, index) => index === 0 || !/^0\D/.test(part)).join(" ");
    };

    return {
      count: (value) => (known(value) ? count.format(value) : NONE),
      pct: (value) => (known(value) ? percent.format(value / 100) : NONE),
      share: (value) => (known(value) ? percent.format(value) : NONE),
      decimal: (value) => (known(value) ? decimal.format(value) : NONE),
      money: (amount) => (amount === null || amount === undefined || amount === "" ? NONE : money.format(Number(amount))),
      day: (iso) => day.format(calendar(iso)),
      shortDay: (iso) => shortDay.format(calendar(iso)),
      hour: (hour) => `${String(hour).padStart(2, "0")}:00`,
      duration,
    };
  }, [language]);
}
