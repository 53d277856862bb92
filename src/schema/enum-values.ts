/**
 * The `values` of a GraphQL enum named by the upper-cased values: Pothos types
 * the enum by `V`, so resolvers and arguments get the literal union back
 * without an assertion.
 */
export function enumValues<V extends string>(values: readonly V[]): Record<string, { value: V }> {
  const out: Record<string, { value: V }> = {};
  for (const value of values) out[value.toUpperCase()] = { value };
  return out;
}
