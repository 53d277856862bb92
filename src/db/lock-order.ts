/**
 * The order in which writers insert rows that others may hold too: by key,
 * compared as tuples of strings in code-unit order. Any fixed order would do;
 * what matters is that every writer uses the same one, so two batches holding
 * the same rows wait for each other instead of deadlocking.
 */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}
