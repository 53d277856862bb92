import { PGlite } from "@electric-sql/pglite";
let t = performance.now();
const db = new PGlite(); await db.waitReady;
console.log("new PGlite", Math.round(performance.now() - t)); t = performance.now();
const blob = await db.dumpDataDir("none");
console.log("dump", Math.round(performance.now() - t), blob.size); t = performance.now();
const db2 = new PGlite({ loadDataDir: blob }); await db2.waitReady;
console.log("load", Math.round(performance.now() - t)); t = performance.now();
console.log((await db2.query("select 1 as x")).rows);
