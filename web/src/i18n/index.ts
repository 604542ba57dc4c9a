// Russian first: it is the default and the fallback; English follows the user's setting.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import enCommon from "./locales/en/common.json";
import enCustomer from "./locales/en/customer.json";
import enDesks from "./locales/en/desks.json";
import enExecutor from "./locales/en/executor.json";
import enManager from "./locales/en/manager.json";
import enReports from "./locales/en/reports.json";
import ruCommon from "./locales/ru/common.json";
import ruCustomer from "./locales/ru/customer.json";
import ruDesks from "./locales/ru/desks.json";
import ruExecutor from "./locales/ru/executor.json";
import ruManager from "./locales/ru/manager.json";
import ruReports from "./locales/ru/reports.json";

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const resources = {
  ru: { common: ruCommon, customer: ruCustomer, manager: ruManager, executor: ruExecutor, desks: ruDesks, reports: ruReports },
  en: { common: enCommon, customer: enCustomer, manager: enManager, executor: enExecutor, desks: enDesks, reports: enReports },
} as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: "ru",
  fallbackLng: "ru",
  defaultNS: "common",
  ns: ["common", "customer", "manager", "executor", "desks", "reports"],
  interpolation: { escapeValue: false },
  showSupportNotice: false,
});

export function languageOf(locale: string | null | undefined): Language {
  const base = (locale ?? "ru").slice(0, 2).toLowerCase();
  return base === "en" ? "en" : "ru";
}

export async function applyLocale(locale: string | null | undefined): Promise<void> {
  const language = languageOf(locale);
  document.documentElement.lang = language;
  await i18n.changeLanguage(language);
}

export default i18n;
