// Who may read which report: the API answers 403 to anyone else, so the page asks for
// exactly these. Kept apart from the page so the router can read it without loading it.
import type { Role } from "../../auth/AuthProvider";

export type Section = "overview" | "volume" | "timings" | "sla" | "quality" | "executors" | "notifications" | "verification" | "payouts";

const ALL: readonly Section[] = ["overview", "volume", "timings", "sla", "quality", "executors", "notifications", "verification", "payouts"];

export const REPORT_ROLES: readonly Role[] = ["manager", "head_manager", "hr", "security", "head_security"];

export function sectionsOf(role: Role): readonly Section[] {
  switch (role) {
    case "manager":
    case "head_manager":
      return ALL;
    case "hr":
      return ["payouts"];
    case "security":
    case "head_security":
      return ["verification"];
    default:
      return [];
  }
}
