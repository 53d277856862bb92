import { IANAZone } from "luxon";
import { z } from "zod";

/** Zones already found valid: luxon builds an `Intl.DateTimeFormat` per check, a fifth of a cached dashboard request's CPU. */
const validZones = new Set<string>();

/** The one rule for a time zone anywhere in the service: a known IANA name (what luxon, presets and reports can read back). */
export function isValidTimezone(zone: unknown): zone is string {
  if (typeof zone !== "string") return false;
  if (validZones.has(zone)) return true;
  // Only valid names are remembered (a bounded set); invalid input is never cached.
  const valid = zone.length > 0 && IANAZone.isValidZone(zone);
  if (valid) validZones.add(zone);
  return valid;
}

/** The one message for a time zone that is not one, without the field's name. */
export const timeZoneProblem = (zone: unknown) => `"${String(zone)}" is not a known IANA time zone`;

/** A time zone field: a known IANA name (see src/errors/input.ts for how the field gets named). */
export const timeZone = z
  .string({ error: (issue) => timeZoneProblem(issue.input) })
  .refine(isValidTimezone, { error: (issue) => timeZoneProblem(issue.input) });
