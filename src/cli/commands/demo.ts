import { defineCommand } from "./command.ts";
import { flag, wholeNumber } from "./flags.ts";

/** `demo` / `seed [--seed N] [--days N]` → `{ workspaceId, apiKey }` of a new demo workspace. */
export const demo = defineCommand({
  name: "demo",
  aliases: ["seed"],
  description: "Create a demo workspace with ~90 days of generated usage; prints { workspaceId, apiKey }",
  flags: {
    seed: flag({ value: "<n>", help: "random seed (same seed, same data)" }, wholeNumber(0, 2 ** 32 - 1).optional()),
    days: flag({ value: "<n>", help: "days of usage, ending today (default 90)" }, wholeNumber(1, 365).optional()),
  },
  async run(app, { seed, days }, onProgress) {
    // Loaded on use: the generator and ingestion are not needed by other commands.
    const { seedDemoWorkspace } = await import("../../demo/generate-demo.ts");
    const { workspaceId, apiKey } = await seedDemoWorkspace(app.db, { now: app.now(), seed, days, onProgress });
    return { workspaceId, apiKey };
  },
});
