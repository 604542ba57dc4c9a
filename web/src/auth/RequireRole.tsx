import { Navigate, Outlet, useLocation } from "react-router";

import { useAuth, type Role } from "./AuthProvider";

export function RequireRole({ roles }: { roles: readonly Role[] }) {
  const { status, user } = useAuth();
  const location = useLocation();
  if (status === "loading") return null;
  if (!user) return <Navigate to="/signin" state={{ from: location.pathname }} replace />;
  if (!roles.includes(user.role)) return <Navigate to="/" replace />;
  return <Outlet />;
}
