import type { Role } from "../auth/AuthProvider";

export interface NavItem {
  to: string;
  label: "nav.myRequests" | "nav.newRequest" | "nav.queue" | "nav.jobs" | "nav.verification" | "nav.payouts" | "nav.users" | "nav.profile" | "nav.followUps" | "reports:nav";
}

const REPORTS: NavItem = { to: "/reports", label: "reports:nav" };
const FOLLOW_UPS: NavItem = { to: "/follow-ups", label: "nav.followUps" };

const BY_ROLE: Record<Role, NavItem[]> = {
  customer: [
    { to: "/requests", label: "nav.myRequests" },
    { to: "/requests/new", label: "nav.newRequest" },
  ],
  executor: [
    { to: "/jobs", label: "nav.jobs" },
    { to: "/profile", label: "nav.profile" },
  ],
  manager: [{ to: "/queue", label: "nav.queue" }, FOLLOW_UPS, REPORTS],
  head_manager: [{ to: "/queue", label: "nav.queue" }, FOLLOW_UPS, REPORTS],
  security: [{ to: "/security", label: "nav.verification" }, REPORTS],
  head_security: [{ to: "/security", label: "nav.verification" }, REPORTS],
  hr: [{ to: "/hr", label: "nav.payouts" }, REPORTS],
  admin: [
    { to: "/queue", label: "nav.queue" },
    FOLLOW_UPS,
    { to: "/security", label: "nav.verification" },
    { to: "/hr", label: "nav.payouts" },
    { to: "/admin", label: "nav.users" },
  ],
  system: [],
};

export function navigationFor(role: Role): NavItem[] {
  return BY_ROLE[role];
}
