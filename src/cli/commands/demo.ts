import { ArgReader } from "./args.ts";
import type { CliCommand } from "./command.ts";

/** `demo` / `seed [--seed N] [--days N]` → `{ workspaceId, apiKey }` of a new demo workspace. */
export const demo: CliCommand = {
  name: "demo",
  async run(app, args, onProgress) {
    const a = new ArgReader(args);
    const seed = a.int("seed", 0, 2 ** 32 - 1);
    const days = a.int("days", 1, 365);
    a.check();
    // Loaded on use: the generator and ingestion are not needed by other commands.
    const { seedDemoWorkspace } = await import("../../demo/generate-demo.ts");
    const { workspaceId, apiKey } = await seedDemoWorkspace(app.db, { now: app.now(), seed, days, onProgress });
    return { workspaceId, apiKey };
  },
};
