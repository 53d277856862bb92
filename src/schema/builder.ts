import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import type { AppContext } from "../context.ts";
import type { AccessKey, Workspace } from "../generated/prisma/client.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { getDatamodel } from "../generated/pothos-types.ts";
import { AppError } from "../errors/app-error.ts";

/** Every GraphQL request is made with a valid key; the HTTP layer answers 401 before Yoga otherwise. */
export interface GraphQLContext {
  app: AppContext;
  key: AccessKey;
  workspace: Workspace;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    Decimal: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ErrorsPlugin, PrismaPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.app.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    onUnusedQuery: process.env.NODE_ENV === "production" ? null : "warn",
  },
  errors: { defaultTypes: [AppError] },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    // A full page (200 rows) of every users column, breakdowns included, costs ~25,000;
    // anything far beyond that, or deeper than a page needs, is refused before
    // it reaches the database.
    limit: { complexity: 30_000, depth: 8, breadth: 120 },
  },
});

/**
 * Complexity of a list field with `errors`: its success type's `data` list already
 * multiplies by the default list size, so the field itself must not multiply again
 * (it did: 10 subscriptions were costed as 100).
 */
export const COSTED_BY_DATA_LIST = { field: 1, multiplier: 1 } as const;

builder.queryType({});
builder.mutationType({});
