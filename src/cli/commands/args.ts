import type { AppContext } from "../../context.ts";
import { AppError, badRequest } from "../../errors/app-error.ts";
import type { Workspace } from "../../generated/prisma/client.ts";

/** Arguments of a command: plain JSON, as commander parsed them or as they crossed the wire. */
export type CommandArgs = Record<string, unknown>;

/** `groupBy` → `--group-by`: problems name the flag the user typed. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Reads and checks a command's arguments, collecting every problem so the user
 * fixes all flags in one go. Values may arrive as strings (from the shell) or
 * typed (from JSON), so numbers and booleans accept both.
 */
export class ArgReader {
  private readonly problems: string[] = [];

  constructor(private readonly args: CommandArgs) {}

  string(key: string): string | undefined;
  string(key: string, opts: { required: true }): string;
  string(key: string, opts: { required?: boolean } = {}): string | undefined {
    const value = this.args[key];
    if (value === undefined || value === null || value === "") {
      if (opts.required) this.problems.push(`${flagOf(key)} is required`);
      return opts.required ? "" : undefined;
    }
    if (typeof value !== "string") {
      this.problems.push(`${flagOf(key)} must be text`);
      return undefined;
    }
    return value;
  }

  flag(key: string): boolean {
    const value = this.args[key];
    return value === true || value === "true";
  }

  /** A flag that defaults to on and is turned off by `--no-…`. */
  flagDefaultOn(key: string): boolean {
    const value = this.args[key];
    return !(value === false || value === "false");
  }

  int(key: string, min: number, max: number): number | undefined {
    const value = this.args[key];
    if (value === undefined || value === null || value === "") return undefined;
    const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${flagOf(key)} must be a whole number from ${min} to ${max}, not "${String(value)}"`);
      return undefined;
    }
    return n;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const value = this.string(key, { required: true });
    if (value && !(values as readonly string[]).includes(value))
      this.problems.push(`${flagOf(key)} "${value}" is not one of ${values.join(", ")}`);
    return value as T;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a 400 listing every problem found so far, and `more` found by the caller. */
  check(more: string[] = []): void {
    const all = [...this.problems, ...more];
    if (all.length > 0) throw badRequest(all);
  }
}

/**
 * Re-labels the fields named in a service's 400 (e.g. `timezone`, `group_by`)
 * with the CLI flags that carried them; other errors pass through unchanged.
 */
export function relabel(error: unknown, labels: Record<string, string>): unknown {
  if (!(error instanceof AppError) || error.code !== "BAD_REQUEST") return error;
  return badRequest(relabelProblems(error.problems, labels));
}

export function relabelProblems(problems: string[], labels: Record<string, string>): string[] {
  return problems.map((problem) =>
    Object.entries(labels).reduce(
      // A field opens a problem ("timezone \"X\" is…", "from.date \"X\" is…") or closes a comparison ("…than to").
      (p, [field, flag]) => p.replace(new RegExp(`(^|than )${field}(\\.date)?(?=[ :]|$)`), (_m, lead: string) => lead + flag),
      problem,
    ),
  );
}

/** The arguments of a command that takes only `--workspace` (required). */
export function parseWorkspaceOnly(args: CommandArgs): { workspaceId: string } {
  const a = new ArgReader(args);
  const workspaceId = a.string("workspace", { required: true });
  a.check();
  return { workspaceId };
}

/** The workspace named by `--workspace`, or 404. */
export async function loadWorkspace(app: AppContext, workspaceId: string): Promise<Workspace> {
  const workspace = await app.db.prisma.workspace.findUnique({ where: { id: workspaceId } });
  if (!workspace) throw new AppError("NOT_FOUND", `Workspace "${workspaceId}" not found`);
  return workspace;
}
