import type { GraphQLField } from "graphql";

const EXTENSION = "answerFollowsDataVersion";

/**
 * The `extensions` of a Query field whose answer follows only from the
 * workspace's row (its settings and data version), the key's role, the field's
 * arguments and the current date: its responses may be served again until one
 * of those moves (src/http/graphql-response-cache.ts). A field that reads
 * anything else (keys, export jobs, report subscriptions) stays unmarked, and a
 * response holding it is never kept.
 */
export const FOLLOWS_DATA_VERSION = { [EXTENSION]: true } as const;

export function followsDataVersion(field: GraphQLField<unknown, unknown> | undefined): boolean {
  return field?.extensions[EXTENSION] === true;
}
