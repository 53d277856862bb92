import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { AppContext } from "../runtime/context.ts";
import { withAdvisoryLock } from "../db/advisory-lock.ts";
import { seedDemoWorkspace } from "./generate-demo.ts";

const DEMO_SEED_LOCK = 72_410_002;

/** DATA_DIR/demo.json: the demo workspace and its admin key. */
const DemoFile = z.object({ workspaceId: z.string(), apiKey: z.string() });
export type DemoWorkspace = z.infer<typeof DemoFile>;

/**
 * On an empty database, creates the demo workspace. Its admin key is kept in
 * DATA_DIR/demo.json (mode 0600) so every start can print it again: the
 * database itself holds only the key's hash. Returns null when there is no demo.
 */
export async function ensureDemoWorkspace(app: AppContext): Promise<DemoWorkspace | null> {
  const file = join(app.env.dataDir, "demo.json");
  return withAdvisoryLock(app.db, DEMO_SEED_LOCK, async () => {
    const saved = await readFile(file, "utf8").then(
      (t) => DemoFile.parse(JSON.parse(t)),
      () => null,
    );
    if (saved && (await app.db.prisma.workspace.findUnique({ where: { id: saved.workspaceId } }))) return saved;
    if ((await app.db.prisma.workspace.count()) > 0) return null;
    app.log.info("empty database: creating the demo workspace (about 25,000 usage records)");
    const { workspaceId, apiKey } = await seedDemoWorkspace(app.db, { now: app.now() });
    const demo = { workspaceId, apiKey };
    await writeFile(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
    return demo;
  });
}
