import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

// The console's pages, built into console/dist/console/: wrangler.toml serves console/dist as the Worker's static
// assets, so the files answer under /console/.
export default defineConfig({
  root,
  base: "/console/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: `${root}dist/console`, emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
});
