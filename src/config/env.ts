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
  DATA_DIR: z.string().default("./data"),
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** Secret for signed download links; generated and kept in DATA_DIR when unset. */
  DOWNLOAD_SIGNING_SECRET: z.string().min(16).optional(),
  DOWNLOAD_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  INGEST_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(10 * MB),
  /** Per API key, per minute; 0 turns the limit off. */
  RATE_LIMIT_EXPORTS_PER_MINUTE: z.coerce.number().int().nonnegative().default(60),
  RATE_LIMIT_INGEST_PER_MINUTE: z.coerce.number().int().nonnegative().default(600),
  /** How long export files are kept before the clean-up job deletes them. */
  EXPORT_RETENTION_HOURS: z.coerce.number().positive().default(24),
  DEMO: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = ReturnType<typeof parseEnv>;

/** Parses the environment once, listing every problem at once. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    downloadSigningSecret: e.DOWNLOAD_SIGNING_SECRET ?? null,
    downloadTtlSeconds: e.DOWNLOAD_TTL_SECONDS,
    ingestBodyLimitBytes: e.INGEST_BODY_LIMIT_BYTES,
    rateLimits: { exportsPerMinute: e.RATE_LIMIT_EXPORTS_PER_MINUTE, ingestPerMinute: e.RATE_LIMIT_INGEST_PER_MINUTE },
    exportRetentionHours: e.EXPORT_RETENTION_HOURS,
    demo: e.DEMO,
    logLevel: e.LOG_LEVEL,
  };
}
