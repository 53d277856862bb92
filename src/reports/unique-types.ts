import { canonicalDataType, type DataTypeName, type GroupBy } from "../usage/shared/data-types.ts";

/**
 * A report's data types without repeats, in the order they first appear. Two
 * entries asking for the same rows (`users` twice, or `agents` and its alias
 * `assistants` with the same grouping) would put the same CSV in the zip twice.
 */
export function uniqueTypes<T extends { dataType: DataTypeName; groupBy: GroupBy | null }>(types: readonly T[]): T[] {
  const seen = new Set<string>();
  return types.filter((t) => {
    const key = `${canonicalDataType(t.dataType)}:${t.groupBy ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
