import type { TFunction } from "i18next";

import { ApiError } from "../api/problem";

/** One sentence in the user's language for any failure, with the API's detail when it has one. */
export function problemMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const key = error.status >= 500 ? "5xx" : String(error.status);
    const known = ["400", "401", "403", "404", "409", "413", "415", "422", "429", "5xx"];
    const headline = known.includes(key) ? t(`problem.${key}` as "problem.400") : t("problem.unknown");
    const detail = error.problem.detail ?? error.problem.errors?.map((e) => e.message).join("; ");
    return detail ? `${headline} ${t("problem.details", { detail })}` : headline;
  }
  if (error instanceof TypeError) {
    return t("problem.network");
  }
  return t("problem.unknown");
}
