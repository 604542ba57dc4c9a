/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API serves the built app under /app/; the dev server proxies everything else to it,
// so the app talks to one origin in both modes and the refresh cookie stays same-site.
const api = process.env.SRA_API_URL ?? "http://127.0.0.1:58000";
const apiPaths = ["/auth", "/requests", "/executors", "/users", "/verifications", "/payouts", "/payouts.csv", "/events", "/health", "/web"];

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  server: {
    port: 5173,
    proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])),
  },
  build: {
    outDir: "dist",
    sourcemap: false,
    manifest: true,
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
