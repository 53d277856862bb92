import { hourlyRangeAllowed } from "../../src/usage/timeseries/limits.ts";

export { MAX_HOURLY_RANGE_DAYS } from "../../src/usage/timeseries/limits.ts";

const DAY_MS = 86_400_000;

/** Milliseconds a zone is ahead of UTC at an instant ("GMT+02:00" → 7,200,000). */
function offsetMs(instant: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date(instant))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? "");
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** The instant a local calendar date starts in a zone. */
function localMidnight(date: string, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  return wall - offsetMs(wall - offsetMs(wall, timeZone), timeZone);
}

/** Whether hourly buckets are allowed for a range of dates: the server's rule, on the range's local midnights. */
export function hourlyAllowed(dates: { from: string; to: string }, timeZone: string): boolean {
  const dayAfter = new Date(Date.parse(`${dates.to}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return hourlyRangeAllowed(localMidnight(dates.from, timeZone), localMidnight(dayAfter, timeZone));
}
