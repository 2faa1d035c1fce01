import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The Tauri crate embeds ui/dist at compile time (frontendDist "../ui/dist"),
// loaded from its own protocol, hence relative asset URLs.
export default defineConfig({
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // Component tests mount Svelte in jsdom: use Svelte's browser build there.
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: { include: ["src/**/*.test.ts"], environment: "node", setupFiles: ["src/test/setup.ts"] },
});
