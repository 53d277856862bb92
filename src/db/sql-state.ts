// PostgreSQL errors the service handles by their SQLSTATE
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).

const hasSqlState = (error: unknown, code: string) => error instanceof Object && "code" in error && error.code === code;

/** `unique_violation` (23505): a row with the same key was stored first. */
export const isUniqueViolation = (error: unknown) => hasSqlState(error, "23505");

/** `deadlock_detected` (40P01): this transaction was chosen to end a lock cycle; retrying it is safe. */
export const isDeadlock = (error: unknown) => hasSqlState(error, "40P01");

/** `lock_not_available` (55P03): a lock was not granted within lock_timeout. */
export const isLockNotAvailable = (error: unknown) => hasSqlState(error, "55P03");
