import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from "@pothos/plugin-scope-auth";
import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";
import type { AppContext } from "../runtime/context.ts";
import { can, capabilityDenied, isCapability, type Capability } from "../auth/permissions.ts";
import type { AccessKey, Workspace } from "../generated/prisma/client.ts";
import type { AccessRole } from "../generated/prisma/enums.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { getDatamodel } from "../generated/pothos-types.ts";
import { AppError } from "../errors/app-error.ts";

/**
 * What one GraphQL request may ask for. Tokens and breadth are checked on the
 * document before validation (src/http/server.ts), so a hostile document costs
 * little more than reading it; complexity and depth need the variables (`first`)
 * and are checked by the complexity plugin when the first root field runs.
 */
export const QUERY_LIMITS = {
  /** graphql-js parser tokens (names, punctuation, values); the page's largest query has 270. */
  tokens: 10_000,
  /** A full page (200 rows) of every users column, breakdowns included, costs ~25,000. */
  complexity: 30_000,
  depth: 8,
  /** Fields selected by an operation (the page's largest: 75): aliases, `__typename` and each spread of a fragment count. */
  breadth: 120,
  /** Fields under `__schema` / `__type`: a full introspection query (~230) fits, aliased copies do not. */
  introspectionBreadth: 300,
} as const;

/** Usage pages (connections): the page size when neither `first` nor `last` is given, and the largest allowed. */
export const PAGE_SIZE = { default: 50, max: 200 } as const;

/** Every GraphQL request is made with a valid key; the HTTP layer answers 401 before Yoga otherwise. */
export interface GraphQLContext {
  app: AppContext;
  key: AccessKey;
  workspace: Workspace;
}

/**
 * A request's auth scopes are the capabilities of its key's role (a session is
 * signed in with an admin key: the same), so `src/auth/permissions.ts` stays the
 * one place that says which role may do what. A field declares
 * `authScopes: { query: true }` instead of checking inside its resolver.
 */
type CapabilityScopes = Record<Capability, boolean>;
function capabilityScopes(role: AccessRole): CapabilityScopes {
  return { query: can(role, "query"), export: can(role, "export"), ingest: can(role, "ingest"), manage: can(role, "manage") };
}

/** The capability a refused field asked for (each field asks for one). */
function missingCapability(failure: AuthFailure): Capability | null {
  if (failure.kind === AuthScopeFailureType.AuthScope) return isCapability(failure.scope) ? failure.scope : null;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const found = missingCapability(inner);
      if (found) return found;
    }
  }
  return null;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: CapabilityScopes;
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    Decimal: { Input: string; Output: string };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}>({
  // Errors first: it wraps the others, so a refused scope (an AppError) becomes the
  // field's AppError member. Scope auth before Prisma: a refused field runs no query.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.app.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    onUnusedQuery: process.env.NODE_ENV === "production" ? null : "warn",
  },
  errors: { defaultTypes: [AppError] },
  scopeAuth: {
    authScopes: (ctx) => capabilityScopes(ctx.key.role),
    // The FORBIDDEN AppError of `requireCapability`: same code, same message.
    unauthorizedError: (_parent, ctx, _info, result) => {
      const capability = missingCapability(result.failure);
      return capability ? capabilityDenied(ctx.key, capability) : new AppError("FORBIDDEN", result.message);
    },
  },
  relay: {
    // Connections only (the usage pages), no Node types: no `node`/`nodes` root fields.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    clientMutationId: "omit",
    cursorType: "String",
    // The connection field already multiplies by the page size: its lists must not multiply again.
    nodesOnConnection: { description: "The rows of this page, as in `edges`, without cursors.", complexity: { field: 1, multiplier: 1 } },
    edgesFieldOptions: { complexity: { field: 1, multiplier: 1 } },
    firstArgOptions: { description: `Page size, at most ${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).` },
    lastArgOptions: { description: `The last rows (before \`before\`, if given), at most ${PAGE_SIZE.max}.` },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: QUERY_LIMITS.complexity, depth: QUERY_LIMITS.depth, breadth: QUERY_LIMITS.breadth },
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

/**
 * How many fields each operation of a document selects, the way the complexity
 * plugin counts breadth (every field node, aliases and `__typename` included,
 * a fragment's fields once per spread) but over the whole operation, so a query
 * of nothing but `__typename` counts too. Root introspection fields (`__schema`,
 * `__type`) are counted apart. Runs before validation, so an unknown fragment
 * counts nothing and a cycle stops (validation rejects both); fragments are
 * counted once each, so nested spreads cannot make the count itself slow.
 */
export function operationBreadths(document: DocumentNode): Breadth[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const counted = new Map<string, Breadth>();
  const entered = new Set<string>();

  const spread = (name: string, atRoot: boolean): Breadth => {
    const key = `${atRoot}:${name}`;
    const known = counted.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || entered.has(key)) return { breadth: 0, introspection: 0 };
    entered.add(key);
    const n = count(fragment.selectionSet, atRoot);
    counted.set(key, n);
    return n;
  };
  const count = (set: SelectionSetNode, atRoot: boolean): Breadth => {
    const total = { breadth: 0, introspection: 0 };
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const n = 1 + (s.selectionSet ? count(s.selectionSet, false).breadth : 0);
        if (atRoot && (s.name.value === "__schema" || s.name.value === "__type")) total.introspection += n;
        else total.breadth += n;
      } else {
        const inner = s.kind === Kind.INLINE_FRAGMENT ? count(s.selectionSet, atRoot) : spread(s.name.value, atRoot);
        total.breadth += inner.breadth;
        total.introspection += inner.introspection;
      }
    }
    return total;
  };
  return document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [count(d.selectionSet, true)] : []));
}

export interface Breadth {
  breadth: number;
  introspection: number;
}
