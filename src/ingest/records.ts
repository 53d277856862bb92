import { z } from "zod";
import { dateOrInstant, instant, key, keyText, MAX_LONG_TEXT_CHARS, text } from "./fields.ts";

// The ingestion records of SPEC §7, one schema per `type`. Messages are short
// and name no internals: a reason reads `<field>: <what is wrong>`.

/** Usage token columns are PostgreSQL `integer`. */
const MAX_TOKENS = 2_147_483_647;
/** Cost columns are `numeric(20, 9)`: 11 integer digits, 9 decimals. */
const MAX_USD_DIGITS = 11;
const MAX_USD = 10 ** MAX_USD_DIGITS;
const USD_DECIMALS = 9;

const tokens = z
  .number({ error: "must be a non-negative integer" })
  .int({ error: "must be a non-negative integer" })
  .min(0, { error: "must be a non-negative integer" })
  .max(MAX_TOKENS, { error: `must be at most ${MAX_TOKENS}` })
  .default(0);

/** Money as exact decimal text (Prisma stores it as Decimal), from a JSON number or a numeric string. */
const usd = z
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

function decimalText(value: number | string): { text: string } | { problem: string } {
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

const directory = { id: key, effectiveAt: instant.nullish() };
/** When an agent, project, API key or deployment exists (SPEC §2): absent, from the beginning of time / still. */
const lifetime = { createdAt: dateOrInstant.nullish(), deletedAt: dateOrInstant.nullish() };

const UserRecord = z.object({
  type: z.literal("user"),
  ...directory,
  name: text(),
  email: text(),
  role: text(),
  department: text(),
  companyName: text(),
  licenseType: text(),
  paygLimit: z
    .number({ error: "must be a non-negative number or null" })
    .min(0, { error: "must be a non-negative number or null" })
    .nullish(),
  joinedAt: dateOrInstant.nullish(),
  removedAt: dateOrInstant.nullish(),
});
const AgentRecord = z.object({
  type: z.literal("agent"),
  ...directory,
  ...lifetime,
  name: text(),
  description: text(MAX_LONG_TEXT_CHARS),
  url: text(MAX_LONG_TEXT_CHARS),
  ownerId: keyText,
});
const ProjectRecord = z.object({ type: z.literal("project"), ...directory, ...lifetime, name: text(), ownerId: keyText });
const ApiKeyRecord = z.object({ type: z.literal("api_key"), ...directory, ...lifetime, name: text() });
// A deployment's model and provider name the same things as a usage record's.
const DeploymentRecord = z.object({
  type: z.literal("deployment"),
  ...directory,
  ...lifetime,
  name: text(),
  model: keyText,
  provider: keyText,
});

const usage = {
  id: key,
  occurredAt: instant,
  model: key,
  provider: key,
  source: key,
  deploymentId: key.nullish(),
  promptTokens: tokens,
  completionTokens: tokens,
  cachedPromptTokens: tokens,
  cacheCreationTokens: tokens,
  costUsd: usd,
  paygCostUsd: usd,
};

const MessageRecord = z.object({
  type: z.literal("message"),
  ...usage,
  userId: key,
  surface: z.enum(["chat", "agent", "project"], { error: 'must be "chat", "agent" or "project"' }),
  agentId: key.nullish(),
  projectId: key.nullish(),
  conversationId: key.nullish(),
  action: key.nullish(),
});
const ApiRequestRecord = z.object({ type: z.literal("api_request"), ...usage, apiKeyId: key });

const RECORD_SCHEMAS = {
  user: UserRecord,
  agent: AgentRecord,
  project: ProjectRecord,
  api_key: ApiKeyRecord,
  deployment: DeploymentRecord,
  message: MessageRecord,
  api_request: ApiRequestRecord,
} as const;

type RecordType = keyof typeof RECORD_SCHEMAS;
export type DirectoryRecord =
  | z.infer<typeof UserRecord>
  | z.infer<typeof AgentRecord>
  | z.infer<typeof ProjectRecord>
  | z.infer<typeof ApiKeyRecord>
  | z.infer<typeof DeploymentRecord>;
export type UsageInput = z.infer<typeof MessageRecord> | z.infer<typeof ApiRequestRecord>;
export type IngestRecord = DirectoryRecord | UsageInput;

export const isUsageRecord = (r: IngestRecord): r is UsageInput => r.type === "message" || r.type === "api_request";

/** Surfaces that must name the entity the message went to. */
const SURFACE_TARGET = { agent: "agentId", project: "projectId" } as const;

/**
 * The fields each type cannot do without (those refusing both undefined and
 * null): a record lacking one is invalid before its schema runs.
 */
const REQUIRED: Record<string, string[]> = Object.fromEntries(
  Object.entries(RECORD_SCHEMAS).map(([type, schema]) => [
    type,
    Object.entries(schema.shape)
      .filter(([, field]) => !field.safeParse(undefined).success && !field.safeParse(null).success)
      .map(([name]) => name),
  ]),
);

/** An unknown type is echoed in the reason, cut short so the answer stays small. */
const MAX_ECHO_CHARS = 40;

export type Validation = { ok: true; record: IngestRecord } | { ok: false; reason: string };
const INVALID: Validation = { ok: false, reason: "" };

/**
 * Validates one record: the typed record, or one reason listing every problem
 * (each naming its field). With `describe: false` an invalid record gets an
 * empty reason, and a record missing a required field is refused without
 * running its schema: counting problems that won't be listed stays cheap.
 */
export function validateRecord(raw: unknown, opts: { describe?: boolean } = {}): Validation {
  const describe = opts.describe ?? true;
  if (!isJsonObject(raw)) return { ok: false, reason: "record must be a JSON object" };
  const fields = raw;
  const type = fields.type;
  if (type === undefined || type === null) return { ok: false, reason: "type is required" };
  if (!isRecordType(type)) return describe ? { ok: false, reason: `unknown record type ${echo(type)}` } : INVALID;
  if (!describe) {
    if (REQUIRED[type]!.some((name) => fields[name] === undefined || fields[name] === null)) return INVALID;
    const parsed = RECORD_SCHEMAS[type].safeParse(raw);
    return parsed.success && !missingTarget(fields) ? { ok: true, record: parsed.data } : INVALID;
  }

  const parsed = RECORD_SCHEMAS[type].safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  // Checked on the raw input so it is reported alongside any other problem of the record.
  const target = missingTarget(fields);
  if (target) problems.push(`${target} is required when surface is "${String(fields.surface)}"`);
  if (problems.length > 0 || !parsed.success) return { ok: false, reason: problems.join("; ") };
  return { ok: true, record: parsed.data };
}

/** A parsed JSON value that is an object (not an array): its fields by name. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const isRecordType = (type: unknown): type is RecordType => typeof type === "string" && Object.hasOwn(RECORD_SCHEMAS, type);

/** The field an agent or project message lacks to name where it went, if any. */
function missingTarget(fields: Record<string, unknown>): string | null {
  if (fields.type !== "message" || (fields.surface !== "agent" && fields.surface !== "project")) return null;
  const target = SURFACE_TARGET[fields.surface];
  return fields[target] === undefined || fields[target] === null ? target : null;
}

function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  // Never cut a surrogate pair in half.
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS).replace(/[\ud800-\udbff]$/, "")}…` : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join(".");
  if (!field) return issue.message;
  // A missing (or null) required field: zod reports it as the wrong type.
  if (issue.code === "invalid_type" && (issue.input === undefined || issue.input === null)) return `${field} is required`;
  return `${field}: ${issue.message}`;
}
