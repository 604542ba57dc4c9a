import type { Role } from "../auth/AuthProvider";

export interface NavItem {
  to: string;
  label: "nav.myRequests" | "nav.newRequest" | "nav.queue" | "nav.jobs" | "nav.verification" | "nav.payouts" | "nav.users";
}

const BY_ROLE: Record<Role, NavItem[]> = {
  customer: [
    { to: "/requests", label: "nav.myRequests" },
    { to: "/requests/new", label: "nav.newRequest" },
  ],
  executor: [{ to: "/jobs", label: "nav.jobs" }],
  manager: [{ to: "/queue", label: "nav.queue" }],
  head_manager: [{ to: "/queue", label: "nav.queue" }],
  security: [{ to: "/security", label: "nav.verification" }],
  head_security: [{ to: "/security", label: "nav.verification" }],
  hr: [{ to: "/hr", label: "nav.payouts" }],
  admin: [
    { to: "/queue", label: "nav.queue" },
    { to: "/security", label: "nav.verification" },
    { to: "/hr", label: "nav.payouts" },
    { to: "/admin", label: "nav.users" },
  ],
  system: [],
};

export function navigationFor(role: Role): NavItem[] {
  return BY_ROLE[role];
}
