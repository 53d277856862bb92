import { beforeAll } from "vitest";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import type { Database } from "../../src/db/client.ts";
import { ensureUsagePartitions } from "../../src/usage/partitions/ensure-partitions.ts";
import { monthOf } from "../../src/usage/partitions/months.ts";
import { createWorkspace } from "../../src/workspaces/create-workspace.ts";
import { type CliRun, runCli, tempDataDir } from "./run-cli.ts";

const DAY = 86_400_000;
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/**
 * A UTC workspace with two users, three chat messages on the two days before
 * yesterday (`from`/`to` cover exactly those days) and one sent just now (for
 * the this-week/this-month presets). Relative to the real clock: the CLI reads
 * it, and data older than 12 months cannot be exported.
 */
export async function seedRecentUsage(db: Database, name = "Export Co"): Promise<{ workspaceId: string; from: string; to: string }> {
  const { workspaceId } = await createWorkspace(db, { name });
  const now = Date.now();
  const first = new Date(`${isoDate(new Date(now - 3 * DAY))}T12:00:00Z`);
  const second = new Date(`${isoDate(new Date(now - 2 * DAY))}T12:00:00Z`);
  const user = (id: string, name: string) => ({
    workspaceId,
    kind: "user" as const,
    entityId: id,
    effectiveAt: new Date("2025-01-01T00:00:00Z"),
    attrs: {
      id,
      name,
      email: `${id}@export.test`,
      role: "member",
      department: "Eng",
      companyName: "Export Co",
      licenseType: "enterprise",
      paygLimit: null,
      joinedAt: "2025-01-01T00:00:00Z",
      removedAt: null,
    },
  });
  await db.prisma.directoryVersion.createMany({ data: [user("u1", "Ada"), user("u2", "Grace")] });
  const message = (id: string, userId: string, day: Date) => ({
    workspaceId,
    kind: "message" as const,
    id,
    occurredAt: day,
    userId,
    surface: "chat" as const,
    model: "gpt-4o",
    modelRaw: "gpt-4o-2024-08-06",
    provider: "openai",
    source: "WEB",
    promptTokens: 100,
    completionTokens: 20,
    costUsd: "0.0015",
  });
  await ensureUsagePartitions(db, [first, second, new Date(now)].map(monthOf));
  await db.prisma.usageRecord.createMany({
    data: [message("m1", "u1", first), message("m2", "u1", first), message("m3", "u2", second), message("m4", "u2", new Date(now))],
  });
  return { workspaceId, from: isoDate(first), to: isoDate(second) };
}

export interface RecentUsageCli {
  dataDir: string;
  /** Runs the CLI on this data directory. */
  cli: (...args: string[]) => Promise<CliRun>;
  /** The seeded workspace and its days, once the file's first `beforeAll` has run. */
  seeded: () => { workspaceId: string; from: string; to: string };
}

/**
 * A data directory of the calling test file's own with `seedRecentUsage` in it,
 * seeded in this process before the tests and then closed: each CLI run opens the
 * database itself.
 */
export function recentUsageCli(): RecentUsageCli {
  const dataDir = tempDataDir();
  let seed: { workspaceId: string; from: string; to: string } | null = null;
  beforeAll(async () => {
    const app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }));
    try {
      seed = await seedRecentUsage(app.db);
    } finally {
      await app.close();
    }
  });
  return {
    dataDir,
    cli: (...args) => runCli(dataDir, args),
    seeded: () => {
      if (!seed) throw new Error("recentUsageCli: used before its beforeAll ran");
      return seed;
    },
  };
}
