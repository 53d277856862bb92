import { ArgReader } from "./args.ts";
import { defineCommand } from "./command.ts";

/** `demo` / `seed [--seed N] [--days N]` → `{ workspaceId, apiKey }` of a new demo workspace. */
export const demo = defineCommand({
  name: "demo",
  parse(args) {
    const a = new ArgReader(args);
    const input = { seed: a.int("seed", 0, 2 ** 32 - 1), days: a.int("days", 1, 365) };
    a.check();
    return input;
  },
  async run(app, { seed, days }, onProgress) {
    // Loaded on use: the generator and ingestion are not needed by other commands.
    const { seedDemoWorkspace } = await import("../../demo/generate-demo.ts");
    const { workspaceId, apiKey } = await seedDemoWorkspace(app.db, { now: app.now(), seed, days, onProgress });
    return { workspaceId, apiKey };
  },
});
