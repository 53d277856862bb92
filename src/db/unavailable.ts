/**
 * Whether an error means the database could not be reached or dropped the
 * connection (restart, failover, `pg_terminate_backend`, pool exhausted): the
 * request failed through no fault of its own and may be retried, so it is
 * answered 503 with `Retry-After`, not 500. The error may come straight from
 * `pg`, or wrapped by Prisma's driver adapter (kinds, codes) with the
 * original as `cause`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; e = field(e, "cause"), depth++) {
    const [code, kind, message] = [field(e, "code"), field(e, "kind"), field(e, "message")];
    if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
    if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
    if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** A property of an error of unknown shape, to be checked by its reader; undefined when absent. */
function field(error: object, key: string): unknown {
  return key in error ? Reflect.get(error, key) : undefined;
}

/** Seconds a client is asked to wait after a 503: long enough for a restart or failover to finish. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const UNAVAILABLE_CODES = new Set([
  // PostgreSQL: the server shut the session (admin command, crash, shutdown), or cannot take one yet.
  "57P01",
  "57P02",
  "57P03",
  "53300",
  // Sockets.
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  // Prisma: can't reach the server, server closed the connection, pool timeout.
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);

/** Prisma driver-adapter error kinds for the same situations. */
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** `pg` raises these as plain Errors without a code. */
const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "timeout exceeded when trying to connect",
  "terminating connection due to administrator command",
  "Server has closed the connection",
];
