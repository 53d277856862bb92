import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { adminQuery, testDatabasePrefix, withDatabase } from "./helpers/database.ts";

/**
 * Builds the analytics page into build/web (the page route and test/web serve it)
 * and the compiled server into build/server (what `npm start` runs).
 * With DATABASE_URL: build one migrated template database per run; each test file
 * clones it (test/helpers/database.ts). Without: every file uses in-memory PGlite.
 */
export default async function setup() {
  for (const script of ["build-web.mjs", "build-server.mjs"])
    execFileSync(process.execPath, [fileURLToPath(new URL(`../scripts/${script}`, import.meta.url))], { stdio: "inherit" });
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const template = `ue_template_${process.pid}`;
  await adminQuery(url, `drop database if exists ${template}`);
  await adminQuery(url, `create database ${template}`);
  const db = await openDatabase({ kind: "postgres", url: withDatabase(url, template) });
  await migrate(db);
  await db.close();
  process.env.TEST_TEMPLATE_DATABASE = template;
  return async () => {
    const left = await adminQuery<{ datname: string }>(url, "select datname from pg_database where starts_with(datname, $1)", [
      testDatabasePrefix(template),
    ]);
    for (const { datname } of left) await adminQuery(url, `drop database if exists ${datname} with (force)`);
    await adminQuery(url, `drop database if exists ${template}`);
  };
}
