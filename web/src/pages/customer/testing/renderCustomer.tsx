// The customer's pages as App.tsx routes them, signed in through the fake API, with the
// snackbar, so what the user is told can be asserted.
import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";

import { AuthProvider } from "../../../auth/AuthProvider";
import { RequireRole } from "../../../auth/RequireRole";
import { Notices } from "../../../feedback/Notices";
import { notices } from "../../../feedback/notices";
import i18n from "../../../i18n";
import MyRequestsPage from "../MyRequestsPage";
import NewRequestPage from "../NewRequestPage";
import RequestPage from "../RequestPage";

function Where() {
  const location = useLocation();
  return <output hidden data-testid="location">{location.pathname}</output>;
}

export function renderCustomer(entry: string) {
  void i18n.changeLanguage("ru");
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (!mutation.options.onError) notices.error(error);
      },
    }),
  });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[entry]}>
        <AuthProvider>
          <Routes>
            <Route element={<RequireRole roles={["customer"]} />}>
              <Route path="/requests" element={<MyRequestsPage />} />
              <Route path="/requests/new" element={<NewRequestPage />} />
              <Route path="/requests/:requestId" element={<RequestPage />} />
            </Route>
            <Route path="*" element={null} />
          </Routes>
        </AuthProvider>
        <Where />
        <Notices />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...view, queryClient, user: userEvent.setup({ delay: null }) };
}

/** The address the app shows now. */
export function currentPath(): string | null {
  return screen.getByTestId("location").textContent;
}
