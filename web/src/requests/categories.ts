import type { TFunction } from "i18next";
import { useCallback } from "react";
import { useTranslation } from "react-i18next";

// The skills executors are registered with (devstack/demo.py, the admin's user form): a
// request is assignable only to an executor having its category as a skill.
export const CATEGORIES = ["plumbing", "electrics", "heating", "installation", "cleaning", "carpentry", "painting"] as const;
export type Category = (typeof CATEGORIES)[number];

function isKnown(category: string): category is Category {
  return (CATEGORIES as readonly string[]).includes(category);
}

/** A category's name in the UI language; one filed elsewhere under another name shows as sent. */
export function categoryLabel(t: TFunction<"customer">, category: string): string {
  return isKnown(category) ? t(`category.${category}`) : category;
}

/** The category's name in the UI language, for any page (the names live with the customer's texts). */
export function useCategoryLabel(): (category: string) => string {
  const { t } = useTranslation("customer");
  return useCallback((category: string) => categoryLabel(t, category), [t]);
}
