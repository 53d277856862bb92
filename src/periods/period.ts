import { LRUCache } from "lru-cache";
import { DateTime } from "luxon";
import { badRequest } from "../errors/app-error.ts";
import { isValidTimezone, timeZoneProblem } from "./time-zone.ts";

/** A resolved reporting range: records with from <= occurredAt <= to count. */
export interface Period {
  from: Date;
  to: Date;
  /** `period_start`: the first day, in the request's time zone. */
  startDate: string;
  /** `period_end`: the last day, in the request's time zone. */
  endDate: string;
  timezone: string;
}

export interface DateInput {
  date: string;
  timezone: string;
}

/** How far back data may be requested. */
const HISTORY_MONTHS = 12;
const HISTORY_LIMIT_MESSAGE = "Historical data is limited to 12 months";

// Date, optional wall-clock time, optional offset. The offset is accepted and
// ignored: the request's `timezone` decides (as the reference service does).
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Reads `{date, timezone}` as wall-clock time in that zone. A plain date is the
 * start of its day for `from` and the last millisecond of its day for `to`.
 * Returns a problem message instead when the input is not usable.
 */
function readDateInput(field: "from" | "to", input: unknown): DateTime | string {
  if (!input || typeof input !== "object") return `${field} is required: { date, timezone }`;
  const date = "date" in input ? input.date : undefined;
  const timezone = "timezone" in input ? input.timezone : undefined;
  if (typeof date !== "string" || typeof timezone !== "string") return parseDateInput(field, date, timezone);
  // Dashboards ask for the same few dates over and over; luxon's zone arithmetic
  // (Intl formatToParts per offset) was most of a cached request's CPU.
  const key = `${field}\u0000${date}\u0000${timezone}`;
  let parsed = parsedDates.get(key);
  if (parsed === undefined) {
    parsed = parseDateInput(field, date, timezone);
    parsedDates.set(key, parsed);
  }
  return parsed;
}

/** Results of readDateInput: DateTimes are immutable and messages are strings, so entries are shared safely. */
const parsedDates = new LRUCache<string, DateTime | string>({ max: 5_000 });

function parseDateInput(field: "from" | "to", date: unknown, timezone: unknown): DateTime | string {
  const problems: string[] = [];
  if (typeof timezone !== "string" || timezone === "") problems.push(`${field}.timezone is required`);
  else if (!isValidTimezone(timezone)) problems.push(`${field}.timezone ${timeZoneProblem(timezone)}`);
  const m = typeof date === "string" ? DATE_PATTERN.exec(date) : null;
  if (!m) {
    problems.push(
      typeof date === "string"
        ? `${field}.date "${date}" is not an ISO 8601 date (expected YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ)`
        : `${field}.date is required`,
    );
  }
  if (problems.length > 0 || !m || typeof timezone !== "string") return problems.join("; ");
  const [, y, mo, d, h, mi, s, frac] = m;
  const dateOnly = h === undefined;
  const parts = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: dateOnly ? 0 : Number(h),
    minute: dateOnly ? 0 : Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: frac === undefined ? 0 : Number(frac.padEnd(3, "0").slice(0, 3)),
  };
  const dt = DateTime.fromObject(parts, { zone: timezone });
  if (!dt.isValid || dt.day !== parts.day || parts.hour > 23 || parts.minute > 59 || parts.second > 59)
    return `${field}.date "${date}" is not a real calendar date and time`;
  return dateOnly && field === "to" ? dt.endOf("day") : dt;
}

/** The earliest instant a request may start at: the start of the day 12 months ago. */
export function historyLimit(now: Date, timezone: string): DateTime {
  // Cached per zone and minute: the limit moves at the zone's midnight, and every
  // zone offset in use is a whole number of minutes.
  const key = `${timezone}\u0000${Math.floor(now.getTime() / 60_000)}`;
  let limit = historyLimits.get(key);
  if (limit === undefined) {
    limit = DateTime.fromJSDate(now, { zone: timezone }).minus({ months: HISTORY_MONTHS }).startOf("day");
    historyLimits.set(key, limit);
  }
  return limit;
}

const historyLimits = new LRUCache<string, DateTime>({ max: 1_000 });

/**
 * Resolves a request's `from`/`to` (each a `DateInput`, as typed callers pass it,
 * or whatever a request body held) into a Period, or throws a 400 listing every
 * problem (each names its field): the one check of a period's dates.
 */
export function resolvePeriod(from: unknown, to: unknown, now = new Date()): Period {
  const start = readDateInput("from", from);
  const end = readDateInput("to", to);
  const problems = [start, end].filter((x): x is string => typeof x === "string");
  if (typeof start !== "string" && typeof end !== "string") {
    if (start > end) problems.push("from must not be later than to");
    if (start < historyLimit(now, start.zoneName ?? "UTC")) problems.push(`from: ${HISTORY_LIMIT_MESSAGE}`);
  }
  if (problems.length > 0 || typeof start === "string" || typeof end === "string") throw badRequest(problems);
  return {
    from: start.toJSDate(),
    to: end.toJSDate(),
    startDate: start.toISODate()!,
    endDate: end.toISODate()!,
    timezone: start.zoneName!,
  };
}
