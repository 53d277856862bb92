import { expect, test } from "vitest";
import { parseEnv } from "../../src/config/env.ts";
import { testDatabase } from "../helpers/database.ts";

const PRIMARY = "postgresql://app@db-primary:5432/usage";
const REPLICA = "postgresql://app@db-replica:5432/usage";

test("DATABASE_READ_URL is read next to DATABASE_URL; unset, it is null", () => {
  expect(parseEnv({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: REPLICA })).toMatchObject({ databaseUrl: PRIMARY, databaseReadUrl: REPLICA });
  expect(parseEnv({ DATABASE_URL: PRIMARY })).toMatchObject({ databaseUrl: PRIMARY, databaseReadUrl: null });
  expect(parseEnv({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: "" }).databaseReadUrl).toBeNull();
});

test("DATABASE_READ_URL without DATABASE_URL is refused: embedded PGlite has no replica", () => {
  expect(() => parseEnv({ DATABASE_READ_URL: REPLICA })).toThrow(
    "Invalid configuration:\n  DATABASE_READ_URL: set without DATABASE_URL (a read replica needs its primary; embedded PGlite has none)",
  );
  expect(() => parseEnv({ DATABASE_URL: "", DATABASE_READ_URL: REPLICA })).toThrow("DATABASE_READ_URL: set without DATABASE_URL");
});

test("DATABASE_READ_URL must be a postgresql:// URL, and its problems are listed with the others", () => {
  expect(() => parseEnv({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: "mysql://db/usage" })).toThrow(
    "Invalid configuration:\n  DATABASE_READ_URL: must be a postgresql:// URL",
  );
  expect(() => parseEnv({ DATABASE_READ_URL: REPLICA, PORT: "http" })).toThrow(
    /^Invalid configuration:\n {2}PORT: .+\n {2}DATABASE_READ_URL: set without DATABASE_URL/,
  );
});

test("without a read URL, usage reads use the primary itself", async () => {
  const db = await testDatabase();
  expect(db.replica.isReplica).toBe(false);
  expect(await db.replica.inReadTransaction((s) => s.query<{ one: number }>("select 1::int as one"))).toEqual([{ one: 1 }]);
  // Read-only: a usage read can never write, on the primary either.
  await expect(db.replica.inReadTransaction((s) => s.exec("create table replica_probe (id int)"))).rejects.toThrow(/read-only transaction/);
});
