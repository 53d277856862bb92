import { PGlite } from "@electric-sql/pglite";
const dir = "/tmp/gs2/pglite";
const p = new PGlite(dir);
await p.waitReady; console.log("ready");
console.log(await p.query("select count(*) from _usage_exports_migrations"));
const b = await p.dumpDataDir("none");
console.log("dumped", b.size);
await p.close();
