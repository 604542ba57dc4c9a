import { lazy } from "react";
import { Navigate, Route, Routes } from "react-router";

import { useAuth } from "./auth/AuthProvider";
import { ExpiredSessionDialog } from "./auth/ExpiredSessionDialog";
import { RequireRole } from "./auth/RequireRole";
import { HR, MANAGERS, SECURITY, homeOf } from "./auth/roles";
import SignInPage from "./auth/SignInPage";
import { Notices } from "./feedback/Notices";
import { AppShell } from "./layout/AppShell";
import { PageLoading } from "./layout/PageLoading";
import { REPORT_ROLES } from "./pages/reports/access";

// One chunk per role's pages: a customer never downloads the manager's data grid.
const MyRequestsPage = lazy(() => import("./pages/customer/MyRequestsPage"));
const NewRequestPage = lazy(() => import("./pages/customer/NewRequestPage"));
const RequestPage = lazy(() => import("./pages/customer/RequestPage"));
const QueuePage = lazy(() => import("./pages/manager/QueuePage"));
const JobsPage = lazy(() => import("./pages/executor/JobsPage"));
const ProfilePage = lazy(() => import("./pages/executor/ProfilePage"));
const FollowUpsPage = lazy(() => import("./pages/manager/FollowUpsPage"));
const SecurityPage = lazy(() => import("./pages/security/SecurityPage"));
const PayoutsPage = lazy(() => import("./pages/hr/PayoutsPage"));
const UsersPage = lazy(() => import("./pages/admin/UsersPage"));
const ReportsPage = lazy(() => import("./pages/reports/ReportsPage"));

function Home() {
  const { status, user } = useAuth();
  if (status === "loading") return <PageLoading />;
  return <Navigate to={user ? homeOf(user.role) : "/signin"} replace />;
}

export function App() {
  return (
    <>
      <Routes>
        <Route path="/signin" element={<SignInPage />} />
        <Route element={<AppShell />}>
          <Route index element={<Home />} />
          <Route element={<RequireRole roles={["customer"]} />}>
            <Route path="requests" element={<MyRequestsPage />} />
            <Route path="requests/new" element={<NewRequestPage />} />
            <Route path="requests/:requestId" element={<RequestPage />} />
          </Route>
          <Route element={<RequireRole roles={MANAGERS} />}>
            <Route path="queue" element={<QueuePage />} />
            <Route path="queue/:requestId" element={<QueuePage />} />
            <Route path="follow-ups" element={<FollowUpsPage />} />
          </Route>
          <Route element={<RequireRole roles={["executor"]} />}>
            <Route path="jobs" element={<JobsPage />} />
            <Route path="jobs/:requestId" element={<JobsPage />} />
            <Route path="profile" element={<ProfilePage />} />
          </Route>
          <Route element={<RequireRole roles={SECURITY} />}>
            <Route path="security" element={<SecurityPage />} />
            <Route path="security/:executorId" element={<SecurityPage />} />
          </Route>
          <Route element={<RequireRole roles={HR} />}>
            <Route path="hr" element={<PayoutsPage />} />
          </Route>
          <Route element={<RequireRole roles={REPORT_ROLES} />}>
            <Route path="reports" element={<ReportsPage />} />
          </Route>
          <Route element={<RequireRole roles={["admin"]} />}>
            <Route path="admin" element={<UsersPage />} />
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
      <ExpiredSessionDialog />
      <Notices />
    </>
  );
}
