import { resolve } from "node:path";
import { z } from "zod";

const MB = 1024 * 1024;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** A streaming replica of DATABASE_URL's PostgreSQL: usage queries and exports read there (only with DATABASE_URL). */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().default("./data"),
  /** Where export files and report zips live: a volume every instance mounts, to share them; unset (or empty): DATA_DIR/exports. */
  EXPORT_STORAGE_DIR: z.string().optional(),
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** Secret for signed download links; generated and kept in DATA_DIR when unset. */
  DOWNLOAD_SIGNING_SECRET: z.string().min(16).optional(),
  DOWNLOAD_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  INGEST_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * MB),
  /** Largest gzip-encoded ingestion body on the wire; unset: INGEST_BODY_LIMIT_BYTES (the decompressed limit holds as well). */
  INGEST_COMPRESSED_LIMIT_BYTES: z.coerce.number().int().positive().optional(),
  /** Per API key, per minute; 0 turns the limit off. */
  RATE_LIMIT_EXPORTS_PER_MINUTE: z.coerce.number().int().nonnegative().default(60),
  RATE_LIMIT_INGEST_PER_MINUTE: z.coerce.number().int().nonnegative().default(600),
  /**
   * Per client address: refused keys (REST, GraphQL) and sign-ins allowed per window
   * before every further attempt from it is refused until the window ends; 0 turns it off.
   */
  RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS: z.coerce.number().int().nonnegative().default(20),
  RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().positive().default(600),
  /** How long export files are kept before the clean-up job deletes them. */
  EXPORT_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /**
   * Whole months of usage kept before the current one; older month partitions are dropped (SPEC §12).
   * At least 13: a period may start 12 months back in any time zone, so up to 14 hours into the 13th month in UTC.
   */
  USAGE_RETENTION_MONTHS: z.coerce
    .number()
    .int()
    .min(13, "must be at least 13 (periods reach back 12 months, into the 13th month before this one in UTC)")
    .default(13),
  /** smtp://user:pass@host:port (or smtps://); unset: email delivery is off. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    // Checked here: the mail transport is made at the first delivery, and a URL it can't read should stop the start instead.
    .refine(readableUrl, "is not a valid URL with a host (characters such as % or @ in the password must be percent-encoded)")
    .optional(),
  SMTP_FROM: z.string().default("Usage Exports <reports@localhost>"),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  /** Overrides Slack's API base (tests, proxies); must end with a slash. */
  SLACK_API_URL: z.string().url().optional(),
  /** Email attachments above this are replaced by a signed download link. */
  REPORT_ATTACHMENT_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * MB),
  DEMO: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Overrides jobs' cron schedules: `name=cron;name=cron` (e.g. run the hourly
   * clean-ups every minute). Job names and expressions are checked at start.
   */
  JOB_SCHEDULES: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const entries = text
        .split(";")
        .map((e) => e.trim())
        .filter(Boolean);
      const schedules: Record<string, string> = {};
      for (const entry of entries) {
        const at = entry.indexOf("=");
        if (at <= 0) ctx.addIssue({ code: "custom", message: `"${entry}" is not name=cron` });
        else schedules[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
      }
      return schedules;
    }),
  /** Bearer token for GET /metrics on the service's port; unset (and no METRICS_PORT): /metrics is not served. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** A separate port serving /metrics, /health/live and /health/ready without a token (keep it off the public network). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Seconds a stopping server lets requests in flight finish before closing their connections. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().default(10),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = ReturnType<typeof parseEnv>;

/** Settings that only make sense with another (checked on the raw values, so they are listed with the rest). */
function dependentProblems(source: NodeJS.ProcessEnv): string[] {
  if (source.DATABASE_READ_URL && !source.DATABASE_URL)
    return ["  DATABASE_READ_URL: set without DATABASE_URL (a read replica needs its primary; embedded PGlite has none)"];
  return [];
}

/** A URL with a host, whose host and credentials percent-decode (as nodemailer reads them). */
function readableUrl(text: string): boolean {
  try {
    const url = new URL(text);
    for (const part of [url.hostname, url.username, url.password]) decodeURIComponent(part);
    return url.hostname !== "";
  } catch {
    return false;
  }
}

/** Parses the environment once, listing every problem at once. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(source);
  const problems = [...(parsed.error?.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`) ?? []), ...dependentProblems(source)];
  if (!parsed.success || problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join("\n")}`);
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    databaseReadUrl: e.DATABASE_READ_URL ?? null,
    dataDir,
    exportStorageDir: e.EXPORT_STORAGE_DIR ? resolve(e.EXPORT_STORAGE_DIR) : resolve(dataDir, "exports"),
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    downloadSigningSecret: e.DOWNLOAD_SIGNING_SECRET ?? null,
    downloadTtlSeconds: e.DOWNLOAD_TTL_SECONDS,
    ingestBodyLimitBytes: e.INGEST_BODY_LIMIT_BYTES,
    ingestCompressedLimitBytes: e.INGEST_COMPRESSED_LIMIT_BYTES ?? e.INGEST_BODY_LIMIT_BYTES,
    rateLimits: {
      exportsPerMinute: e.RATE_LIMIT_EXPORTS_PER_MINUTE,
      ingestPerMinute: e.RATE_LIMIT_INGEST_PER_MINUTE,
      authFailuresPerAddress: e.RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS,
      authFailureWindowSeconds: e.RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS,
    },
    exportRetentionHours: e.EXPORT_RETENTION_HOURS,
    usageRetentionMonths: e.USAGE_RETENTION_MONTHS,
    /** null when email delivery is not configured. */
    smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM } : null,
    /** null when Slack delivery is not configured. */
    slack: e.SLACK_BOT_TOKEN ? { token: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL ?? null } : null,
    reportAttachmentLimitBytes: e.REPORT_ATTACHMENT_LIMIT_BYTES,
    demo: e.DEMO,
    metrics: { token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null },
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
    jobSchedules: e.JOB_SCHEDULES,
  };
}
