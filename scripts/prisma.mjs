#!/usr/bin/env node
// Runs the Prisma CLI offline. Prisma would otherwise download native engines:
// pointing both engine variables at an existing file stops that, and the client
// generator (engineType "client") needs no engine at all.
//   node scripts/prisma.mjs generate
//   node scripts/prisma.mjs new-migration <name>   (SQL diff from the last migration)
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/false",
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? "/bin/false",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  // Generators such as prisma-pothos-types are found as package binaries.
  PATH: `${join(process.cwd(), "node_modules/.bin")}:${process.env.PATH ?? ""}`,
  CHECKPOINT_DISABLE: "1",
  // Validation wants a postgresql:// URL even though no connection is made.
  DATABASE_URL: process.env.DATABASE_URL || "postgresql://localhost/unused",
};
const prisma = (args, opts = {}) =>
  spawnSync(process.execPath, ["node_modules/prisma/build/index.js", ...args], { env, encoding: "utf8", ...opts });

const [command, name] = process.argv.slice(2);
if (command === "generate") {
  const r = prisma(["generate", "--no-hints"], { stdio: "inherit" });
  process.exit(r.status ?? 1);
} else if (command === "new-migration") {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run migration:new -- <snake_case_name>");
    process.exit(2);
  }
  const dir = "prisma/migrations";
  const previous = readdirSync(dir)
    .filter((d) => /^\d+_/.test(d))
    .sort();
  // The previous datamodel is rebuilt from git so the diff covers only this change.
  let from = ["--from-empty"];
  if (previous.length > 0) {
    const git = spawnSync("git", ["show", "HEAD:prisma/schema.prisma"], { encoding: "utf8" });
    if (git.status !== 0) throw new Error(`cannot read the committed schema: ${git.stderr}`);
    const tmp = join(mkdtempSync(join(tmpdir(), "schema-")), "schema.prisma");
    writeFileSync(tmp, git.stdout);
    from = ["--from-schema-datamodel", tmp];
  }
  const r = prisma(["migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"]);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const target = join(dir, `${stamp}_${name}`);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, "migration.sql"), r.stdout);
  console.log(`wrote ${target}/migration.sql`);
} else {
  console.error("usage: node scripts/prisma.mjs generate | new-migration <name>");
  process.exit(2);
}
