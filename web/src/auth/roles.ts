import type { Role } from "./AuthProvider";

export const MANAGERS: readonly Role[] = ["manager", "head_manager", "admin"];
export const SECURITY: readonly Role[] = ["security", "head_security", "admin"];
export const HR: readonly Role[] = ["hr", "admin"];

/** Where each role starts after signing in. */
export function homeOf(role: Role): string {
  switch (role) {
    case "customer":
      return "/requests";
    case "executor":
      return "/jobs";
    case "security":
    case "head_security":
      return "/security";
    case "hr":
      return "/hr";
    case "admin":
      return "/admin";
    default:
      return "/queue";
  }
}
