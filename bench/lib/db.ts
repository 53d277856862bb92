import { once } from "node:events";
import pg from "pg";
import copyStreams from "pg-copy-streams";

/** The benchmark's own database unless DATABASE_URL says otherwise. */
const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/usage_bench";

export function databaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** A URL with its password hidden, for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** Creates the URL's database when it does not exist (connecting to the server's `postgres` database). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new Error(`DATABASE_URL ${redactUrl(url)} names no database`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return false;
    await client.query(`create database ${quoteIdent(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** One `COPY table (columns) FROM STDIN` on a client: write text chunks (with back-pressure), then finish. */
export class CopyIn {
  private readonly stream: ReturnType<typeof copyStreams.from>;
  private readonly finished: Promise<void>;
  private failed: Error | null = null;

  constructor(client: pg.ClientBase, table: string, columns: readonly string[], options: string | null = null) {
    this.stream = client.query(copyStreams.from(`copy ${table} (${columns.join(", ")}) from stdin${options ? ` with (${options})` : ""}`));
    this.finished = new Promise<void>((resolve, reject) => {
      this.stream.on("finish", resolve);
      this.stream.on("error", (e: Error) => {
        this.failed = e;
        reject(e);
      });
    });
    this.finished.catch(() => undefined);
  }

  /** COPY text: tab-separated fields, `\N` for null, newline-terminated rows. */
  async write(chunk: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, "drain"), this.finished]);
  }

  async finish(): Promise<void> {
    this.stream.end();
    await this.finished;
  }

  async abort(error: unknown): Promise<void> {
    this.stream.destroy(error instanceof Error ? error : new Error(String(error)));
    await this.finished.catch(() => undefined);
  }
}

/** Streams what `produce` writes into one COPY … FROM STDIN. */
export async function copyFrom(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  options: string | null,
  produce: (write: (chunk: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const copy = new CopyIn(client, table, columns, options);
  try {
    await produce((chunk) => copy.write(chunk));
  } catch (error) {
    await copy.abort(error);
    throw error;
  }
  await copy.finish();
}

/** A COPY text-format field: `\N` for null, backslash, tab and newlines escaped. */
export function copyText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  const s = String(value);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : s;
}

/** Drops the URL's database (refusing the server's own databases). */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name || ["postgres", "template0", "template1"].includes(name)) throw new Error(`refusing to drop database "${name}"`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}
