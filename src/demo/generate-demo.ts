import type { Database } from "../db/client.ts";
import { ingestRecords } from "../ingest/ingest.ts";
import { createWorkspace } from "../workspaces/create-workspace.ts";
import { buildDirectory, directoryRecords } from "./demo-directory.ts";
import { usageRecords } from "./demo-usage.ts";
import { Random } from "./random.ts";

const DEMO_WORKSPACE_NAME = "Acme Corp (demo)";
const DEMO_TIMEZONE = "Europe/Berlin";
const DAY = 86_400_000;
/** Records per ingestion call: large enough to be quick, small enough to keep each transaction modest. */
const BATCH = 5_000;

export interface DemoOptions {
  now: Date;
  /** Days of usage ending today (in Berlin); 90 by default. */
  days?: number;
  /** Same seed and `now` → the same records. */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Creates a BYOK workspace "Acme Corp (demo)" with ~60 people, agents,
 * projects, platform API keys and BYOK deployments, and ~25,000 usage records
 * over the last `days` days, all sent through the ingestion path the API uses,
 * so the demo exercises exactly what real data does.
 */
export async function seedDemoWorkspace(
  db: Database,
  opts: DemoOptions,
): Promise<{ workspaceId: string; apiKey: string; records: number }> {
  const days = opts.days ?? 90;
  const rng = new Random(opts.seed ?? 20_240_917);
  const windowStart = new Date(opts.now.getTime() - days * DAY);
  const directory = buildDirectory(rng, windowStart, opts.now);
  // A day before the window: every entity exists in every period the demo covers.
  const { initial, history } = directoryRecords(directory, new Date(windowStart.getTime() - DAY), rng, opts.now);
  const usage = usageRecords(rng, directory, { now: opts.now, days, timezone: DEMO_TIMEZONE });

  const { workspaceId, apiKey } = await createWorkspace(db, {
    name: DEMO_WORKSPACE_NAME,
    timezone: DEMO_TIMEZONE,
    byok: true,
    firstWeekday: 1, // weeks start on Monday in Germany
  });
  const total = initial.length + history.length + usage.length;
  let done = 0;
  const send = async (records: object[]) => {
    await ingestRecords(db, workspaceId, records, { now: opts.now });
    done += records.length;
    opts.onProgress?.(done, total);
  };
  opts.onProgress?.(0, total);
  // Later versions of an entity go in their own call, after its first version.
  await send(initial);
  await send(history);
  for (let i = 0; i < usage.length; i += BATCH) await send(usage.slice(i, i + BATCH));
  return { workspaceId, apiKey, records: total };
}
