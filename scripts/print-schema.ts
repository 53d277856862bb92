// Prints the schema the code builds into schema.graphql; with --check, fails when
// the committed file differs (CI runs this).
import { readFileSync, writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../src/schema/index.ts";

const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
const file = new URL("../schema.graphql", import.meta.url);
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {}
  if (current !== printed) {
    console.error("schema.graphql is out of date: run `npm run schema:print` and commit it.");
    process.exit(1);
  }
  console.log("schema.graphql is current");
} else {
  writeFileSync(file, printed);
  console.log("wrote schema.graphql");
}
