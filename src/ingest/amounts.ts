import { z } from "zod";

// Token counts and money of usage records (SPEC §7), within what their columns hold.

/** Usage token columns are PostgreSQL `integer`. */
export const MAX_TOKENS = 2_147_483_647;
/** Cost columns are `numeric(20, 9)`: 11 integer digits, 9 decimals. */
const MAX_USD_DIGITS = 11;
const MAX_USD = 10 ** MAX_USD_DIGITS;
const USD_DECIMALS = 9;

export const tokens = z
  .number({ error: "must be a non-negative integer" })
  .int({ error: "must be a non-negative integer" })
  .min(0, { error: "must be a non-negative integer" })
  .max(MAX_TOKENS, { error: `must be at most ${MAX_TOKENS}` })
  .default(0);

/** Money as exact decimal text (Prisma stores it as Decimal), from a JSON number or a numeric string. */
export const usd = z
  .union([z.number(), z.string()], { error: "must be a non-negative number" })
  .transform((value, ctx) => {
    const result = decimalText(value);
    if ("problem" in result) {
      ctx.addIssue({ code: "custom", message: result.problem });
      return z.NEVER;
    }
    return result.text;
  })
  .default("0");

/** Plain decimal text within the limits: most values are, and one match settles them. */
const PLAIN_USD = new RegExp(`^0*\\d{1,${MAX_USD_DIGITS}}(\\.\\d{1,${USD_DECIMALS}})?$`);

export function decimalText(value: number | string): { text: string } | { problem: string } {
  if (typeof value === "string" && PLAIN_USD.test(value)) return { text: value };
  // Large JSON numbers print as `1e+21`; refuse them before reading digits.
  if (typeof value === "number" && value >= MAX_USD) return { problem: `must be less than ${MAX_USD}` };
  const text = typeof value === "number" ? numberText(value) : /^\d+(\.\d+)?$/.test(value.trim()) ? value.trim() : null;
  if (text === null) return { problem: "must be a non-negative number" };
  const [whole = "", fraction = ""] = text.split(".");
  if (fraction.length > USD_DECIMALS) return { problem: `must have at most ${USD_DECIMALS} decimals` };
  // Compared as text: Number("99999999999.999999999") would round up to the limit.
  if (whole.replace(/^0+(?=\d)/, "").length > MAX_USD_DIGITS) return { problem: `must be less than ${MAX_USD}` };
  return { text };
}

/** A JSON number as plain decimal text; numbers below 1e-6 print as `1.5e-8`, so expand the exponent. */
function numberText(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const [mantissa = "", exponent] = String(value).split("e");
  if (exponent === undefined) return mantissa;
  const decimals = (mantissa.split(".")[1]?.length ?? 0) - Number(exponent);
  // toFixed is exact for up to 9 decimals; more than that is refused by the caller anyway.
  return decimals > USD_DECIMALS ? `0.${"0".repeat(decimals)}` : value.toFixed(Math.max(0, decimals));
}

/** `tokens`'s rules on a present value, without a parse (the usage fast path). */
export const isTokenCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS;
