// Names for the keys the reports group by, in the user's language; a key the page does not
// know shows as the API sends it, an executor no longer listed by the start of their id, and
// an empty key (not found) as its own group.
import { useCallback, useMemo } from "react";
import { useTranslation } from "react-i18next";

import { useCategoryLabel } from "../../requests/categories";
import { useExecutors } from "../manager/queueApi";

// Moscow's administrative okrugs, as the API finds them in addresses (domain/districts.py).
export const DISTRICTS = ["ЦАО", "САО", "СВАО", "ВАО", "ЮВАО", "ЮАО", "ЮЗАО", "ЗАО", "СЗАО", "Зеленоград"] as const;

const STAGES = ["assign", "accept", "start", "complete", "close", "auto_confirm"] as const;
const CHANNELS = ["email", "telegram"] as const;
const ROLES = ["customer", "executor", "manager", "head_manager", "security", "head_security", "hr", "admin", "system"] as const;
const STATES = ["new", "assigned", "accepted", "in_progress", "completed", "confirmed", "closed", "cancelled", "disputed"] as const;

function known<T extends string>(list: readonly T[], key: string): key is T {
  return (list as readonly string[]).includes(key);
}

export interface Labels {
  category: (key: string) => string;
  district: (key: string) => string;
  executor: (id: string) => string;
  stage: (key: string) => string;
  tier: (key: string) => string;
  channel: (key: string) => string;
  role: (key: string) => string;
  /** A request's state, as a cancellation was made in. */
  state: (key: string) => string;
}

/** Executor ids read as the executors' names (GET /executors, which every staff role may read). */
export function useLabels(): Labels {
  const { t } = useTranslation("reports");
  const { t: common } = useTranslation();
  const categoryName = useCategoryLabel();
  const executors = useExecutors();
  const names = useMemo(
    () => new Map((executors.data ?? []).map((executor) => [executor.id, executor.full_name])),
    [executors.data],
  );

  const unknown = t("unknown");
  const category = useCallback((key: string) => (key ? categoryName(key) : unknown), [categoryName, unknown]);
  const executor = useCallback((id: string) => (id ? (names.get(id) ?? t("unlisted", { id: id.slice(0, 8) })) : t("unassigned")), [names, t]);
  return useMemo(
    () => ({
      category,
      district: (key) => key || unknown,
      executor,
      stage: (key) => (known(STAGES, key) ? t(`stage.${key}`) : key || unknown),
      tier: (key) => t("tier", { tier: key }),
      channel: (key) => (known(CHANNELS, key) ? t(`channel.${key}`) : key || unknown),
      role: (key) => (known(ROLES, key) ? common(`role.${key}`) : key || unknown),
      state: (key) => (known(STATES, key) ? common(`state.${key}`) : key || unknown),
    }),
    [category, executor, t, common, unknown],
  );
}
