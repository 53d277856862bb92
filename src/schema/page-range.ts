import { AppError } from "../errors/app-error.ts";
import { PAGE_SIZE } from "./builder.ts";

/**
 * Offset cursors of the usage connections: a cursor names a row's position in
 * the ordered rows of one request (`offset:<index>`, base64url), so it stays
 * valid while the workspace's data does.
 */
export const cursorOf = (index: number) => Buffer.from(`offset:${index}`).toString("base64url");

function indexOf(cursor: string, arg: "after" | "before"): number {
  const index = /^offset:(?<index>\d+)$/.exec(Buffer.from(cursor, "base64url").toString())?.groups?.index;
  if (index === undefined) throw new AppError("BAD_REQUEST", `${arg}: not a cursor returned by this API`);
  return Number(index);
}

/** The Relay connection arguments. */
export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** How many rows a request may get back: what its complexity is multiplied by. */
export function pageSizeOf(args: PageArgs): number {
  const sizes = [args.first, args.last].filter((n) => n !== null && n !== undefined);
  const size = sizes.length > 0 ? Math.min(...sizes) : PAGE_SIZE.default;
  return Math.max(0, Math.min(size, PAGE_SIZE.max));
}

/** Refuses a page size out of range (before any row is read). */
export function checkPageSizes(args: PageArgs): void {
  for (const arg of ["first", "last"] as const) {
    const n = args[arg];
    if (n !== null && n !== undefined && (n < 0 || n > PAGE_SIZE.max))
      throw new AppError("BAD_REQUEST", `${arg}: must be between 0 and ${PAGE_SIZE.max}`);
  }
}

/**
 * The rows [start, end) a request selects out of `total`, as the Relay
 * connection spec slices them: `after`/`before` narrow, then `first` keeps the
 * first rows and `last` the last; neither means the first `PAGE_SIZE.default`.
 */
export function pageRange(args: PageArgs, total: number): { start: number; end: number } {
  let start = args.after ? Math.min(indexOf(args.after, "after") + 1, total) : 0;
  let end = args.before ? Math.max(start, Math.min(indexOf(args.before, "before"), total)) : total;
  const first = args.first ?? (args.last === null || args.last === undefined ? PAGE_SIZE.default : null);
  if (first !== null) end = Math.min(end, start + first);
  if (args.last !== null && args.last !== undefined) start = Math.max(start, end - args.last);
  return { start, end };
}
