/** `1.500000` → `1.5`, `2.000000` → `2`: money has up to 6 decimals, no trailing zeros. */
export function trimDecimal(text: string): string {
  if (!text.includes(".")) return text;
  const trimmed = text.replace(/0+$/, "").replace(/\.$/, "");
  return trimmed === "-0" ? "0" : trimmed;
}
