/**
 * Calendar months of UTC, as the partitions cut them: a month is named by its
 * first day, `YYYY-MM-01`. Plain arithmetic on the digits: JavaScript's Date
 * reads years 0–99 as 1900–1999, and stored records go back to year 1.
 */

/** The month holding `instant` (in UTC). */
export function monthOf(instant: Date): string {
  return `${instant.toISOString().slice(0, 7)}-01`;
}

/** The month `n` months after `month` (before it when negative). */
export function addMonths(month: string, n: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  const year = Math.floor(index / 12);
  return `${String(year).padStart(4, "0")}-${String(index - year * 12 + 1).padStart(2, "0")}-01`;
}

/** `count` months from `first` on. */
export function monthsFrom(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addMonths(first, i));
}
