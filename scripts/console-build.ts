/**
 * `npm run console:build`: bundles the console (console/, Vite) into console/dist/console/, which wrangler.toml
 * serves as static assets, then prints the JavaScript's gzip size and fails past the 250 KB budget.
 */
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "vite";

export const JS_BUDGET_GZIP_BYTES = 250 * 1024;
const ROOT = new URL("../", import.meta.url).pathname;
const ASSETS = `${ROOT}console/dist/console/assets`;

await build({ configFile: `${ROOT}console/vite.config.ts` });
const sizes = readdirSync(ASSETS).map((file) => ({ file, gzip: gzipSync(readFileSync(`${ASSETS}/${file}`), { level: 9 }).length }));
const js = sizes.filter((s) => s.file.endsWith(".js")).reduce((n, s) => n + s.gzip, 0);
for (const s of sizes) console.log(`console/dist/console/assets/${s.file}: ${(s.gzip / 1024).toFixed(1)} KB gzip`);
console.log(`console JavaScript: ${(js / 1024).toFixed(1)} KB gzip (budget ${JS_BUDGET_GZIP_BYTES / 1024} KB)`);
if (js > JS_BUDGET_GZIP_BYTES) {
  console.error("the console's JavaScript is over its budget");
  process.exit(1);
}
