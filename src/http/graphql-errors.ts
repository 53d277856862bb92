import { GraphQLError } from "graphql";
import { createGraphQLError, maskError } from "graphql-yoga";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../db/unavailable.ts";

/**
 * Unexpected GraphQL errors stay masked ("Unexpected error."), except a lost or
 * unreachable database: that one says so, with HTTP 503 and `Retry-After` as on
 * the REST routes, so a client knows a retry will do.
 */
export function maskGraphQLError(error: unknown, message: string, isDev?: boolean): Error {
  const located = error instanceof GraphQLError ? error : null;
  if (!isDatabaseUnavailable(located?.originalError ?? error)) return maskError(error, message, isDev);
  return createGraphQLError(`The database is unavailable; nothing was changed. Retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: {
      code: "SERVICE_UNAVAILABLE",
      http: { status: 503, headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) } },
    },
  });
}
