// Dates from the API are calendar dates already in the workspace's time zone,
// so they are formatted as UTC dates: the browser's own zone must not shift them.
const dayFmt = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });
const dayYearFmt = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric", year: "numeric" });
const intFmt = new Intl.NumberFormat("en-US");

const asUtcDate = (date: string) => new Date(`${date}T00:00:00Z`);

/** "Nov 3" */
export const formatDay = (date: string) => dayFmt.format(asUtcDate(date));
/** "Nov 3, 2026" */
export const formatDate = (date: string) => dayYearFmt.format(asUtcDate(date));

/** "Nov 1 – Nov 30, 2026", or with both years when they differ. */
export function formatRange(start: string, end: string): string {
  return start.slice(0, 4) === end.slice(0, 4) ? `${formatDay(start)} – ${formatDate(end)}` : `${formatDate(start)} – ${formatDate(end)}`;
}

export const formatInt = (n: number) => intFmt.format(n);

/** "$1,234.56"; amounts under a cent keep up to 4 decimals so they do not read as zero. */
export function formatUsd(decimal: string): string {
  const n = Number(decimal);
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 4 : 2;
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

/** An instant in a given zone: "Dec 1, 2026, 7:30 AM". */
export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export const PRESET_LABELS = {
  THIS_MONTH: "This month",
  LAST_MONTH: "Last month",
  THIS_WEEK: "This week",
  LAST_WEEK: "Last week",
} as const;

/** A time-series bucket's start in the workspace's zone, as precise as its width: "Oct 5, 14:00", "Oct 5", "Oct 2026". */
export function formatBucket(iso: string, width: "HOUR" | "DAY" | "WEEK" | "MONTH", timeZone: string): string {
  const options: Intl.DateTimeFormatOptions =
    width === "HOUR"
      ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : width === "MONTH"
        ? { month: "short", year: "numeric" }
        : { month: "short", day: "numeric" };
  return new Intl.DateTimeFormat("en-US", { timeZone, ...options }).format(new Date(iso));
}
