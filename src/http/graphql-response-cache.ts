import { getOperationAST, Kind, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { Prisma } from "../generated/prisma/client.ts";
import { responseCacheLookups } from "../metrics/registry.ts";
import type { GraphQLContext } from "../schema/builder.ts";
import { followsDataVersion } from "../schema/response-cache-hint.ts";

/** Response text kept across all workspaces; one entry is at most a page of 200 rows (tens of kB). */
const MAX_CACHED_BYTES = 64 * 1024 * 1024;

/**
 * Presets ("last 30 days") and date checks follow the current date in some time
 * zone. Every zone's midnight falls on a quarter hour of UTC (offsets are whole
 * quarter hours), so within one quarter hour every zone's date stays the same.
 */
const DATE_SPAN_MS = 15 * 60 * 1000;

type ServerContext = Pick<GraphQLContext, "app"> & Partial<GraphQLContext>;

/** An operation not answered from the cache: its key, and whether its result may be kept. */
interface Miss {
  key: string;
  keep: boolean;
}

/** A kept response: yoga sends `stringify()`'s text as the body, without executing anything. */
type KeptResult = ExecutionResult & { stringify: () => string };

/**
 * A whole-response cache for GraphQL reads (the dashboard asks the same
 * question over and over). A response is kept when every field the operation
 * selects at the root follows the data version (`FOLLOWS_DATA_VERSION`), and it
 * is filed under everything that answer follows from: the workspace's whole row
 * (its id, settings and data version, which every ingest bumps), the key's role,
 * the quarter hour (see DATE_SPAN_MS), the document, the operation name and the
 * variables. Entries are never shared across workspaces or roles, and a hit is
 * always current: any write moves the version and so the key. Responses with
 * errors are not kept (a lost database is worth a retry); AppError members are
 * (they follow from the same inputs).
 *
 * With a streaming replica, rows may be read before the replica has replayed
 * the version the request authenticated with: such a response is sent but not
 * kept, or it would stand for a version it does not show.
 *
 * Our own plugin, not @graphql-yoga/plugin-response-cache: that one tracks
 * entities by rewriting every document, which a per-workspace version makes
 * unnecessary, and it cannot see the replica's lag.
 */
export function responseCache(): Plugin<ServerContext, ServerContext> {
  const kept = new LRUCache<string, string>({ maxSize: MAX_CACHED_BYTES, sizeCalculation: (text, key) => text.length + key.length });
  const misses = new WeakMap<Request, Miss>();

  return {
    onParams({ params, request, context, setResult }) {
      const { app, key, workspace } = context;
      if (!key || !workspace || typeof params.query !== "string") return;
      const cacheKey = JSON.stringify([
        workspace,
        key.role,
        Math.floor(app.now().getTime() / DATE_SPAN_MS),
        params.operationName ?? null,
        params.query,
        params.variables ?? null,
      ]);
      const text = kept.get(cacheKey);
      if (text === undefined) {
        misses.set(request, { key: cacheKey, keep: false });
        return;
      }
      responseCacheLookups.inc({ result: "hit" });
      const result: KeptResult = { stringify: () => text };
      setResult(result);
    },

    onExecute({ args, executeFn, setExecuteFn }) {
      const { request, app, workspace } = args.contextValue;
      const miss = misses.get(request);
      if (!miss || !workspace || !rootFieldsFollowDataVersion(args.schema, args.document, args.operationName)) return;
      responseCacheLookups.inc({ result: "miss" });
      miss.keep = true;
      if (app.db.replica.isReplica) {
        setExecuteFn(async (execution) => {
          // Replayed before the reads start: every read sees this version or a later one.
          const [row] = await app.db.replica.read<{ version: number }>(
            Prisma.sql`select data_version as version from workspaces where id = ${workspace.id}`,
          );
          miss.keep = row !== undefined && row.version >= workspace.dataVersion;
          return executeFn(execution);
        });
      }
      return {
        onExecuteDone({ result }) {
          if (!miss.keep || isAsyncIterable(result) || (result.errors?.length ?? 0) > 0) return;
          kept.set(miss.key, JSON.stringify(result));
        },
      };
    },
  };
}

/** A query whose root selections are all fields marked FOLLOWS_DATA_VERSION (or `__typename`). */
function rootFieldsFollowDataVersion(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== "query") return false;
  const fields = schema.getQueryType()?.getFields() ?? {};
  // A fragment at the root is not looked into: rare, and never wrongly kept.
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === "__typename" || followsDataVersion(fields[s.name.value])),
  );
}
