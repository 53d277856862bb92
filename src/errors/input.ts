import type { z } from "zod";
import { badRequest } from "./app-error.ts";

// One validation path for input that crosses a boundary (REST bodies, GraphQL
// inputs, CLI flags): a zod schema per concept, declared once next to the code
// that owns the concept, so each rule and its message exist in one place:
//   time zones                 src/periods/time-zone.ts
//   data type names, group_by  src/usage/shared/data-types.ts
//   workspace settings         src/workspaces/workspace-settings.ts
//   report subscriptions       src/reports/subscriptions.ts
//   the REST export body       src/http/routes/export.ts
//   CLI flags                  src/cli/commands/flags.ts (and each command's flag list)
// A period's `from`/`to` are checked by `resolvePeriod` (src/periods/period.ts),
// which caches its work for the dashboard; every surface hands its dates to it.
//
// An issue's message is the problem without the field's name ("must not be
// empty", `"Mars/Base" is not a known IANA time zone`); `parseInput` puts the
// field's name in front, as the surface names it: `timezone` for the service,
// `--timezone` on the command line, `timezone:` in GraphQL mutations.

/** How a surface names the field at an issue's path (empty: the message stands alone). */
export type FieldLabel = (path: readonly PropertyKey[]) => string;

/** The field's path as written in JSON: `from.timezone`, `types.0.dataType`. */
const pathLabel: FieldLabel = (path) => path.map(String).join(".");

/** Every problem of a failed parse, each naming its field. */
export function problemsOf(error: z.ZodError, label: FieldLabel = pathLabel): string[] {
  return error.issues.map((issue) => {
    const name = label(issue.path);
    return name ? `${name} ${issue.message}` : issue.message;
  });
}

/** The input as the schema types it, or a 400 listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, label: FieldLabel = pathLabel): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(problemsOf(result.error, label));
  return result.data;
}
