import { defineConfig } from "vitest/config";

// Preact's JSX runtime is configured here directly; no framework plugin is needed.
export default defineConfig({
  clearScreen: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  server: { port: 5173, strictPort: true, fs: { allow: [".."] } },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
  test: { environment: "node" },
});
