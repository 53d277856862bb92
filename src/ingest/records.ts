import { z } from "zod";
import { tokens, usd } from "./amounts.ts";
import { dateOrInstant, instant, key, keyText, MAX_LONG_TEXT_CHARS, text } from "./fields.ts";
import { fastUsage } from "./usage-fast-path.ts";

// The ingestion records of SPEC §7, one schema per `type`. Messages are short
// and name no internals: a reason reads `<field>: <what is wrong>`.

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

/** One schema per record type (exported for the test holding the usage fast path to it). */
export const RECORD_SCHEMAS = {
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
  if (type === "message" || type === "api_request") {
    const record = fastUsage(fields);
    if (record) return { ok: true, record };
  }
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
