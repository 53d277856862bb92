import { z } from "zod";
import { badRequest } from "../../errors/app-error.ts";
import { type FieldLabel, problemsOf } from "../../errors/input.ts";

/**
 * A command's flags are declared once, as a zod object shape: each flag's schema
 * checks and types its value, and its help (registered below) is what
 * src/cli/main.ts turns into commander's options and arguments. Values arrive as
 * strings (from the shell) or typed (as JSON, through the server's /_local/cli),
 * so numbers and switches accept both.
 */
export type FlagShape = Record<string, z.ZodType>;

export interface FlagHelp {
  help: string;
  /** The value's name (`<id>`) of a flag that takes one; absent for a switch. */
  value?: string;
  /** A switch that is on unless `--no-…` is given. */
  negated?: boolean;
  /** A one-letter alias, e.g. `-o`. */
  short?: string;
  /** Given without a flag name, as the command's argument (in declaration order). */
  positional?: boolean;
}

/** Each flag's help; a flag without one is not offered on the command line (internal commands). */
const flagHelps = new WeakMap<z.ZodType, FlagHelp>();

export const helpOf = (schema: z.ZodType): FlagHelp | undefined => flagHelps.get(schema);

/** `groupBy` → `--group-by`: problems name the flag the user typed. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A blank value is an absent one: an empty shell argument, or null in JSON. */
const blank = (value: unknown) => (value === "" || value === null ? undefined : value);

/** A flag: its value's schema, with blanks read as absent, and its help. */
export function flag<S extends z.ZodType>(help: FlagHelp | null, schema: S) {
  const checked = z.preprocess(blank, schema);
  if (help) flagHelps.set(checked, help);
  return checked;
}

/** Text (a missing value "is required"; `.optional()` for an optional flag). */
export const text = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") });

/** A whole number within bounds, typed or as digits. */
export function wholeNumber(min: number, max: number) {
  const problem = (input: unknown) =>
    input === undefined ? "is required" : `must be a whole number from ${min} to ${max}, not "${String(input)}"`;
  return z.preprocess(
    (value) => (typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value),
    z
      .number({ error: (issue) => problem(issue.input) })
      .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: (issue) => problem(issue.input) }),
  );
}

/** One of a list of words. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) => (issue.input === undefined ? "is required" : `"${String(issue.input)}" is not one of ${values.join(", ")}`),
  });

/** A switch: on when given. */
export const on = z.preprocess((value) => value === true || value === "true", z.boolean());

/** A switch that is on unless turned off (`--no-…`). */
export const onUnlessOff = z.preprocess((value) => !(value === false || value === "false"), z.boolean());

/** An instant, as an ISO 8601 date-time. */
export const instant = z.string().transform((value, ctx) => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) ctx.addIssue({ code: "custom", message: `"${value}" is not an ISO 8601 date-time` });
  return date;
});

/** Whether a flag was given at all (for rules about flags given together). */
export function given(args: Record<string, unknown>, key: string): boolean {
  const value = args[key];
  return value !== undefined && value !== null && value !== "" && value !== false && value !== "false";
}

/** A problem names the flag (`--group-by`), or the argument by its name (`dataType`). */
function cliLabel(shape: FlagShape): FieldLabel {
  return (path) => {
    const key = path[0];
    if (typeof key !== "string") return "";
    const schema = shape[key];
    return schema && helpOf(schema)?.positional ? key : flagOf(key);
  };
}

/**
 * Checks a command's flags: the typed values, or a 400 listing every problem —
 * each flag's own, then those of `rules` about flags given together.
 */
export function parseFlags<Shape extends FlagShape>(
  shape: Shape,
  args: Record<string, unknown>,
  rules: (args: Record<string, unknown>) => string[] = () => [],
): z.output<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(args);
  const problems = [...(result.success ? [] : problemsOf(result.error, cliLabel(shape))), ...rules(args)];
  if (!result.success || problems.length > 0) throw badRequest(problems);
  return result.data;
}
