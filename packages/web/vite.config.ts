import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const server = process.env.SALUS_DEV_SERVER ?? "http://localhost:3000";

// The web app of Salus. `vite build packages/web` writes packages/web/dist, which the Salus server
// serves with an SPA fallback. `vite packages/web` runs the dev server and proxies the API to it.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": { target: server, changeOrigin: false },
      "/fhir": { target: server, changeOrigin: false },
      "/healthz": { target: server, changeOrigin: false },
    },
  },
});
