import { afterEach, describe, expect, test } from "vitest";
import { claimNextJob } from "../../src/export-jobs/claim.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
await db.prisma.workspace.createMany({
  data: [
    { id: "ws_a", name: "a" },
    { id: "ws_b", name: "b" },
  ],
});
afterEach(() => db.prisma.exportJob.deleteMany());

let n = 0;
/** A queued job, created `minutesAgo` (the claim takes the oldest first); the claim never reads its request. */
async function queued(workspaceId: string, minutesAgo: number): Promise<string> {
  const id = `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
  await db.prisma.exportJob.create({
    data: {
      workspaceId,
      id,
      kind: "file",
      dataType: "users",
      request: {},
      fingerprint: id,
      createdAt: new Date(Date.now() - minutesAgo * 60_000),
    },
  });
  return id;
}

describe("claiming export jobs", () => {
  test("takes the oldest job of any workspace, by its workspace and id", async () => {
    const older = await queued("ws_b", 10);
    const newer = await queued("ws_a", 5);
    expect(await claimNextJob(db, "w1")).toMatchObject({ workspaceId: "ws_b", id: older, owner: "w1", attempt: 1 });
    expect(await claimNextJob(db, "w2")).toMatchObject({ workspaceId: "ws_a", id: newer, owner: "w2", attempt: 1 });
    expect(await claimNextJob(db, "w3")).toBeNull();
  });

  // A second connection holds the row lock: only PostgreSQL has one (PGlite serves one connection, one transaction at a time).
  test.runIf(db.kind === "postgres")("passes over a job another worker is in the middle of claiming", async () => {
    const held = await queued("ws_a", 10);
    const next = await queued("ws_b", 5);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = () => {};
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    const holder = db.inRawTransaction(async (tx) => {
      await tx.query("select id from export_jobs where workspace_id = $1 and id = $2 for update", ["ws_a", held]);
      lockTaken();
      await released;
    });
    await locked;
    const claimed = await claimNextJob(db, "w1");
    release();
    await holder;
    expect(claimed).toMatchObject({ workspaceId: "ws_b", id: next });
    expect(await claimNextJob(db, "w2")).toMatchObject({ workspaceId: "ws_a", id: held });
    expect(await claimNextJob(db, "w3")).toBeNull();
  });
});
