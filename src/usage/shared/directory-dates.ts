import { Prisma } from "../../generated/prisma/client.ts";

// Date attributes of directory records (users' joinedAt/removedAt, the others'
// createdAt/deletedAt), as stored in directory_versions.attrs and read back by
// the queries. SPEC §7: a calendar date and an instant mean different things, so
// the stored text keeps them apart: a calendar date as given (`2025-03-14`), an
// instant as UTC ISO text (`2025-03-14T02:00:00.000Z`).

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a (validated) date value is a calendar date rather than an instant. */
const isCalendarDate = (value: string): boolean => CALENDAR_DATE.test(value);

/** The stored text of a validated date value: a calendar date as given, an instant in UTC. */
export function storedDate(value: string | null | undefined): string | null {
  if (!value) return null;
  return isCalendarDate(value) ? value : new Date(value).toISOString();
}

/**
 * SQL for the instant a stored date attribute starts at: a calendar date at its
 * midnight in the workspace's time zone (`zone`, a SQL expression), an instant as
 * stored. Null when the attribute is absent.
 */
export function dateStart(attrs: Prisma.Sql, key: string, zone: Prisma.Sql): Prisma.Sql {
  const text = Prisma.sql`(${attrs}->>${key})`;
  // length 10 is exactly `YYYY-MM-DD`: ingestion stores nothing else that short.
  return Prisma.sql`case when length(${text}) = 10 then (${text})::date::timestamp at time zone ${zone} else (${text})::timestamptz end`;
}

/**
 * A stored date attribute as the export writes it (`YYYY-MM-DD`): a calendar
 * date as given, whatever the export's time zone; an instant as its date in that zone.
 */
export function exportDate(stored: string | null | undefined, timezone: string): string | null {
  if (!stored) return null;
  if (isCalendarDate(stored)) return stored;
  const instant = new Date(stored);
  if (Number.isNaN(instant.getTime())) return null;
  const text = calendarDate(timezone).format(instant);
  // en-CA writes YYYY-MM-DD for four-digit years; anything else is a far-zone edge of years 1 and 9999.
  return /^\d{4}-/.test(text) ? text : edgeDate(instant, timezone);
}

/**
 * Years 1 to 9999 in UTC can fall on 31 December 1 BC or 1 January 10000 in a
 * far zone, which YYYY-MM-DD cannot write: they become the first and last dates
 * it can. Other years below 1000 are zero-padded (en-CA writes `5-01-01`).
 */
function edgeDate(instant: Date, timezone: string): string {
  const parts = Object.fromEntries(
    withEra(timezone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const year = Number(parts.year);
  if (parts.era === "BC" || year < 1) return "0001-01-01";
  if (year > 9999) return "9999-12-31";
  return `${String(year).padStart(4, "0")}-${parts.month}-${parts.day}`;
}

// One formatter per zone: luxon took 35 µs a row, a third of a 20,000-user export.
const formatters = new Map<string, Intl.DateTimeFormat>();
const eraFormatters = new Map<string, Intl.DateTimeFormat>();

function calendarDate(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timezone, f);
  }
  return f;
}

function withEra(timezone: string): Intl.DateTimeFormat {
  let f = eraFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: timezone, era: "short", year: "numeric", month: "2-digit", day: "2-digit" });
    eraFormatters.set(timezone, f);
  }
  return f;
}
