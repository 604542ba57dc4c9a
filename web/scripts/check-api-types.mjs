// Generates the API client's types from the API's current OpenAPI document.
//   node scripts/check-api-types.mjs          fails when src/api/schema.d.ts is stale
//   node scripts/check-api-types.mjs --write  regenerates it
// A stale client would type-check against routes and shapes that no longer exist.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(web, "..");
const target = join(web, "src/api/schema.d.ts");
const scratch = mkdtempSync(join(tmpdir(), "api-types-"));
const document = join(scratch, "openapi.json");
const fresh = join(scratch, "schema.d.ts");

execFileSync(join(repo, ".venv/bin/python"), ["-m", "api.export_openapi", document], { cwd: repo, stdio: "inherit" });
execFileSync(join(web, "node_modules/.bin/openapi-typescript"), [document, "-o", fresh], { stdio: "ignore" });
const generated = readFileSync(fresh, "utf8");

if (process.argv.includes("--write")) {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
} else {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== generated) {
    console.error("web/src/api/schema.d.ts is stale: run `make api-types` and commit the result");
    process.exit(1);
  }
}
