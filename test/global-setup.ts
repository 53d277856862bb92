import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { embeddedDatabaseDir } from "../src/app.ts";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { adminQuery, PGLITE_TEMPLATE_DUMP, testDatabasePrefix, withDatabase } from "./helpers/database.ts";

/**
 * Builds the analytics page into build/web (the page route and test/web serve it)
 * and the compiled server into build/server (what `npm start` runs).
 * Migrates one PGlite cluster per run, kept as a data directory and as a dump:
 * each in-memory test database loads the dump, each CLI test's DATA_DIR starts
 * from a copy of the directory (test/helpers/database.ts), ~1 s instead of ~4 s
 * of initdb and migrations each. With DATABASE_URL, also one migrated template
 * database per run, which each test file clones.
 */
export default async function setup() {
  for (const script of ["build-web.mjs", "build-server.mjs"])
    execFileSync(process.execPath, [fileURLToPath(new URL(`../scripts/${script}`, import.meta.url))], { stdio: "inherit" });
  const pgliteTemplate = mkdtempSync(join(tmpdir(), "ue-pglite-template-"));
  const removePgliteTemplate = () => rmSync(pgliteTemplate, { recursive: true, force: true });
  await preparePgliteTemplate(pgliteTemplate);
  process.env.TEST_PGLITE_TEMPLATE = pgliteTemplate;
  const url = process.env.DATABASE_URL;
  if (!url) return removePgliteTemplate;
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
    removePgliteTemplate();
  };
}

async function preparePgliteTemplate(folder: string): Promise<void> {
  const dir = embeddedDatabaseDir(folder);
  const db = await openDatabase({ kind: "pglite", dir });
  await migrate(db);
  await db.close();
  // create(): dumpDataDir on a PGlite not yet ready never settles.
  const pglite = await PGlite.create(dir);
  await writeFile(join(folder, PGLITE_TEMPLATE_DUMP), Buffer.from(await (await pglite.dumpDataDir("none")).arrayBuffer()));
  await pglite.close();
}
