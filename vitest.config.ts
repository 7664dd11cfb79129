import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure code and web components, no database) and `db` (real SQLite, and
// PostgreSQL when SALUS_TEST_DATABASE_URL is set; scripts/test.mjs runs it once per database).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.{ts,tsx}"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "db",
          include: ["packages/*/src/**/*.int.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
