import { z } from "zod";

// String and date fields of ingestion records, limited to what PostgreSQL can
// store and index: a value it would refuse is a 400 naming the field, never a
// 500 and never a row that breaks later queries. Messages read `<what is wrong>`;
// records.ts puts the field in front.

/**
 * Ids, references and the usage dimensions kept in indexed columns (model,
 * provider, source, action), in UTF-8 bytes. usage_daily's primary key holds up
 * to eight of them in one btree row, whose limit is 2,704 bytes; 8 × 255 bytes
 * plus the fixed columns stays under it even when nothing compresses.
 */
export const MAX_KEY_BYTES = 255;
/** Directory attributes kept in jsonb (not indexed): names, emails, roles, departments… */
const MAX_TEXT_CHARS = 1_000;
/** An agent's description and URL. */
export const MAX_LONG_TEXT_CHARS = 10_000;

/**
 * Years 1–9999 in UTC. timestamptz itself reaches 4713 BC, but dates travel as
 * the ISO text of Date#toISOString (usage rows' JSON, jsonb attributes read back
 * with ::timestamptz), and PostgreSQL refuses its year 0 (`0000-…`) and
 * year 10000 (`+010000-…`).
 */
const MIN_INSTANT = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");

declare global {
  interface String {
    /** ES2024: no lone surrogates. Node 20 has it; the ES2022 lib this project compiles against does not type it. */
    isWellFormed(): boolean;
  }
}

// PostgreSQL text and jsonb hold neither U+0000 nor a lone UTF-16 surrogate
// (JSON.parse accepts "\ud800").
const noNul = (s: string) => !s.includes("\u0000");
const wellFormed = (s: string) => s.isWellFormed();
// A string longer than the limit in UTF-16 units is longer in UTF-8 bytes too: no need to encode it.
const fitsKey = (s: string) => s.length <= MAX_KEY_BYTES && Buffer.byteLength(s, "utf8") <= MAX_KEY_BYTES;

/** A key's every rule at once (the schema below and the usage fast path share it). */
export const isKey = (s: string) => s.trim() !== "" && noNul(s) && wellFormed(s) && fitsKey(s);

const storable = (schema: z.ZodString) =>
  schema.refine(noNul, "must not contain U+0000").refine(wellFormed, "must not contain a lone UTF-16 surrogate");

/** A required id or reference: non-empty, at most MAX_KEY_BYTES. */
export const key = storable(z.string({ error: "must be a string" }).refine((s) => s.trim() !== "", "must not be empty")).refine(
  fitsKey,
  `must be at most ${MAX_KEY_BYTES} bytes in UTF-8`,
);

/** Optional text that is indexed or names an entity: as a key, but may be empty. */
export const keyText = storable(z.string({ error: "must be a string or null" }))
  .refine(fitsKey, `must be at most ${MAX_KEY_BYTES} bytes in UTF-8`)
  .nullish();

/** Optional free text of at most `max` characters (UTF-16 units). */
export const text = (max = MAX_TEXT_CHARS) =>
  storable(z.string({ error: "must be a string or null" }).max(max, { error: `must be at most ${max} characters` })).nullish();

const instantFormat = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" });
const INSTANT_RANGE = "must be within years 1 to 9999 in UTC";
// NaN is the format check's to report. An offset can cross the bound: 0001-01-01T00:30:00+01:00 is year 0 in UTC.
const instantInRange = (s: string) => {
  const t = Date.parse(s);
  return Number.isNaN(t) || (t >= MIN_INSTANT && t <= MAX_INSTANT);
};

/** An ISO 8601 date-time with an offset or Z, whose UTC instant PostgreSQL can store and read back. */
export const instant = instantFormat.refine(instantInRange, INSTANT_RANGE);

/**
 * `instant`'s rules without a parse: zod's own pattern of the format (its core
 * API for schema authors), so both accept exactly the same text. Should a zod
 * version not expose it, nothing passes here and every value takes the schema.
 */
const INSTANT_PATTERN: RegExp | undefined = instantFormat._zod.pattern;
export const isInstant = (s: string) => INSTANT_PATTERN?.test(s) === true && instantInRange(s);

const DATE_FORMS = "must be a date (YYYY-MM-DD) or a date-time with an offset (2025-03-14T09:00:00Z)";
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A date field (joinedAt, removedAt, createdAt, deletedAt; SPEC §7): a calendar
 * date `YYYY-MM-DD` of years 1–9999, or an instant as `instant`. A date-time
 * without an offset is refused: which zone it meant is anyone's guess.
 */
export const dateOrInstant = z.string({ error: DATE_FORMS }).superRefine((s, ctx) => {
  const problem = dateProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

function dateProblem(s: string): string | null {
  const date = CALENDAR_DATE.exec(s);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (year < 1) return "must be within years 1 to 9999";
    return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) ? null : "must be a real calendar date";
  }
  if (!instantFormat.safeParse(s).success) return DATE_FORMS;
  return instantInRange(s) ? null : INSTANT_RANGE;
}

/** Proleptic Gregorian, as PostgreSQL's `date`. */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}
