/** PostgreSQL's `unique_violation` (SQLSTATE 23505): a row with the same key was stored first. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Object && "code" in error && error.code === "23505";
}
