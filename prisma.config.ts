// Prisma CLI configuration. The CLI is only used offline, to generate the client
// and to diff the schema into migration SQL; the service applies migrations itself
// (src/db/migrate.ts). The JS schema engine needs a driver adapter: an in-memory
// PGlite serves, so no native engine is downloaded and no server is needed.
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { defineConfig } from "prisma/config";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  // Same nominal-type mismatch as in src/db/client.ts.
  // biome-ignore lint/nursery/noUnsafeTypeAssertion: pglite-prisma-adapter is built against its own copy of @prisma/driver-adapter-utils, whose types are distinct from the copy prisma/config expects; the CLI uses the adapter as it is.
  adapter: async () => new PrismaPGlite(new PGlite()) as unknown as SqlMigrationAwareDriverAdapterFactory,
});
