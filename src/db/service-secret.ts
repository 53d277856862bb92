import { randomBytes } from "node:crypto";
import type { Database } from "./client.ts";
import { Prisma } from "../generated/prisma/client.ts";

/**
 * A secret every instance on one PostgreSQL database shares: the first to ask
 * writes a random one, every other (and every restart) reads that row. So
 * several instances sign download links alike with no configuration, whatever
 * their DATA_DIR; an operator who wants to choose or rotate it sets the
 * environment variable, which always wins.
 */
export async function sharedSecret(db: Database, name: string): Promise<string> {
  const candidate = randomBytes(32).toString("hex");
  // ON CONFLICT DO NOTHING, then read: two instances starting at once both end with the winner's value.
  await db.read(Prisma.sql`insert into service_secrets (name, value) values (${name}, ${candidate}) on conflict (name) do nothing`);
  const [row] = await db.read<{ value: string }>(Prisma.sql`select value from service_secrets where name = ${name}`);
  if (!row) throw new Error(`service secret "${name}" could not be stored`);
  return row.value;
}
