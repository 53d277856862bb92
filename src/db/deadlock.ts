/** PostgreSQL's `deadlock_detected` (SQLSTATE 40P01): this transaction was chosen to end a lock cycle; retrying it is safe. */
export function isDeadlock(error: unknown): boolean {
  return error instanceof Object && "code" in error && error.code === "40P01";
}
