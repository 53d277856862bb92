// Writes web/generated/graphql-env.d.ts, the types the page's GraphQL documents
// are checked against, from schema.graphql (gql.tada, configured in
// web/tsconfig.json). With --check, fails when the committed file differs (CI
// runs it after `npm run schema:check`, so both are current).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const target = join(root, "web/generated/graphql-env.d.ts");
const generate = (output) =>
  execFileSync(
    process.execPath,
    [join(root, "node_modules/gql.tada/bin/cli.js"), "generate-output", "--tsconfig", join(root, "web/tsconfig.json"), "--output", output],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );

if (process.argv.includes("--check")) {
  const dir = mkdtempSync(join(tmpdir(), "web-types-"));
  try {
    generate(join(dir, "graphql-env.d.ts"));
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {}
    if (current !== readFileSync(join(dir, "graphql-env.d.ts"), "utf8")) {
      console.error("web/generated/graphql-env.d.ts is out of date: run `npm run web:types` and commit it.");
      process.exit(1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("web/generated/graphql-env.d.ts is current");
} else {
  generate(target);
  console.log("wrote web/generated/graphql-env.d.ts");
}
