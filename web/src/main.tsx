import createCache from "@emotion/cache";
import { CacheProvider } from "@emotion/react";
import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";

import { App } from "./App";
import { ApiError } from "./api/problem";
import { AuthProvider } from "./auth/AuthProvider";
import { notices } from "./feedback/notices";
import "./i18n";
import "./pwa/start";
import { ColorModeProvider } from "./theme/ColorMode";
import { cspNonce } from "./theme/cspNonce";

// The page's CSP allows style elements only with this per-response nonce; emotion stamps
// it on every <style> it inserts, so MUI works without 'unsafe-inline'.
const emotionCache = createCache({ key: "css", ...(cspNonce ? { nonce: cspNonce } : {}) });

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
  // Every failed action reaches the user, even when the component that started it is gone.
  mutationCache: new MutationCache({
    onError: (error, _variables, _context, mutation) => {
      if (!mutation.options.onError) notices.error(error);
    },
  }),
});

const root = document.getElementById("root");
if (!root) throw new Error("no #root in index.html");

createRoot(root).render(
  <StrictMode>
    <CacheProvider value={emotionCache}>
      <ColorModeProvider>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter basename="/app">
            <AuthProvider>
              <App />
            </AuthProvider>
          </BrowserRouter>
        </QueryClientProvider>
      </ColorModeProvider>
    </CacheProvider>
  </StrictMode>,
);
