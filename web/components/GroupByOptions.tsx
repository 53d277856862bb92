import type { GroupBy } from "../api/analytics.ts";

/** A subgroup select's options: "No grouping", then each grouping the data type offers, in the caller's words. */
export function GroupByOptions({ options, labels }: { options: readonly GroupBy[]; labels: Record<GroupBy, string> }) {
  return (
    <>
      <option value="">No grouping</option>
      {options.map((g) => (
        <option key={g} value={g}>
          {labels[g]}
        </option>
      ))}
    </>
  );
}
