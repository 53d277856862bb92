import { z } from "zod";

// The ingestion records of SPEC §7, one schema per `type`. Messages are short
// and name no internals: a reason reads `<field>: <what is wrong>`.

/** Usage token columns are PostgreSQL `integer`. */
const MAX_TOKENS = 2_147_483_647;
/** Cost columns are `numeric(20, 9)`: 11 integer digits, 9 decimals. */
const MAX_USD_DIGITS = 11;
const MAX_USD = 10 ** MAX_USD_DIGITS;
const USD_DECIMALS = 9;

// PostgreSQL text and jsonb cannot hold U+0000: refuse it here (400), not in the database (500).
const noNul = (s: string) => !s.includes("\u0000");
const id = z
  .string({ error: "must be a string" })
  .refine((s) => s.trim() !== "", "must not be empty")
  .refine(noNul, "must not contain U+0000");
const text = z.string({ error: "must be a string or null" }).refine(noNul, "must not contain U+0000").nullish();
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" });
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

function decimalText(value: number | string): { text: string } | { problem: string } {
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

const directory = { id, effectiveAt: instant.nullish() };

export const UserRecord = z.object({
  type: z.literal("user"),
  ...directory,
  name: text,
  email: text,
  role: text,
  department: text,
  companyName: text,
  licenseType: text,
  paygLimit: z
    .number({ error: "must be a non-negative number or null" })
    .min(0, { error: "must be a non-negative number or null" })
    .nullish(),
  joinedAt: instant.nullish(),
  removedAt: instant.nullish(),
});
export const AgentRecord = z.object({ type: z.literal("agent"), ...directory, name: text, description: text, url: text, ownerId: text });
export const ProjectRecord = z.object({ type: z.literal("project"), ...directory, name: text, ownerId: text });
export const ApiKeyRecord = z.object({ type: z.literal("api_key"), ...directory, name: text });
export const DeploymentRecord = z.object({ type: z.literal("deployment"), ...directory, name: text, model: text, provider: text });

const usage = {
  id,
  occurredAt: instant,
  model: id,
  provider: id,
  source: id,
  deploymentId: id.nullish(),
  promptTokens: tokens,
  completionTokens: tokens,
  cachedPromptTokens: tokens,
  cacheCreationTokens: tokens,
  costUsd: usd,
  paygCostUsd: usd,
};

export const MessageRecord = z.object({
  type: z.literal("message"),
  ...usage,
  userId: id,
  surface: z.enum(["chat", "agent", "project"], { error: 'must be "chat", "agent" or "project"' }),
  agentId: id.nullish(),
  projectId: id.nullish(),
  conversationId: id.nullish(),
  action: id.nullish(),
});
export const ApiRequestRecord = z.object({ type: z.literal("api_request"), ...usage, apiKeyId: id });

export const RECORD_SCHEMAS = {
  user: UserRecord,
  agent: AgentRecord,
  project: ProjectRecord,
  api_key: ApiKeyRecord,
  deployment: DeploymentRecord,
  message: MessageRecord,
  api_request: ApiRequestRecord,
} as const;

export type RecordType = keyof typeof RECORD_SCHEMAS;
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

/** Validates one record: the typed record, or one reason listing every problem (each naming its field). */
export function validateRecord(raw: unknown): { ok: true; record: IngestRecord } | { ok: false; reason: string } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { ok: false, reason: "record must be a JSON object" };
  const fields = raw as Record<string, unknown>;
  const type = fields.type;
  if (type === undefined || type === null) return { ok: false, reason: "type is required" };
  if (typeof type !== "string" || !Object.hasOwn(RECORD_SCHEMAS, type))
    return { ok: false, reason: `unknown record type ${JSON.stringify(type)}` };

  const parsed = RECORD_SCHEMAS[type as RecordType].safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  // Checked on the raw input so it is reported alongside any other problem of the record.
  if (type === "message" && (fields.surface === "agent" || fields.surface === "project")) {
    const target = SURFACE_TARGET[fields.surface];
    if (fields[target] === undefined || fields[target] === null)
      problems.push(`${target} is required when surface is "${fields.surface}"`);
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, reason: problems.join("; ") };
  return { ok: true, record: parsed.data };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join(".");
  if (!field) return issue.message;
  // A missing (or null) required field: zod reports it as the wrong type.
  if (issue.code === "invalid_type" && (issue.input === undefined || issue.input === null)) return `${field} is required`;
  return `${field}: ${issue.message}`;
}
