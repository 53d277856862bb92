import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
let t = performance.now();
const db = await openDatabase({ kind: "pglite", dir: null });
console.log("open", Math.round(performance.now() - t)); t = performance.now();
await migrate(db);
console.log("migrate", Math.round(performance.now() - t)); t = performance.now();
await db.close();
console.log("close", Math.round(performance.now() - t));
