import type { z } from "zod";
import { badRequest } from "../../errors/app-error.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";
import { type CommandArgs, loadWorkspace, workspaceFlag } from "./args.ts";
import { type FlagShape, parseFlags } from "./flags.ts";

export type ProgressFn = (done: number, total: number) => void;

/**
 * A CLI command as the registry holds it. `run` does the work with an open
 * app, wherever that app lives: in the CLI process, or in a running server that
 * the CLI forwarded the command to (the embedded database admits one process).
 * Its result must survive JSON.stringify: it is what the CLI prints.
 */
export interface CliCommand {
  /** As typed after `usage-exports`, e.g. "keys create". */
  name: string;
  /** What `--help` says of it. */
  description: string;
  aliases: readonly string[];
  /** The flags (and arguments) it takes, with their help: src/cli/main.ts makes commander's options from them. */
  flags: FlagShape;
  /** Not a command users type (no help, not on the command line). */
  internal: boolean;
  /** Checks the flags without the database, throwing a 400 that names each bad flag. */
  check(args: CommandArgs): void;
  run(app: AppContext, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown>;
}

/**
 * A command from its flags (declared once: help, check and type) and a body.
 * The flags are parsed again in `run` because `run` may be reached over HTTP,
 * where nothing was checked before.
 */
export function defineCommand<Shape extends FlagShape>(spec: {
  name: string;
  description: string;
  aliases?: readonly string[];
  internal?: boolean;
  flags: Shape;
  /** Problems of flags given together, read from the raw arguments so they are listed with the flags' own. */
  rules?: (args: CommandArgs) => string[];
  /** Problems of checked flags seen together (each naming its flags), once every flag is valid. */
  refine?: (flags: z.output<z.ZodObject<Shape>>) => string[];
  run(app: AppContext, flags: z.output<z.ZodObject<Shape>>, onProgress?: ProgressFn): Promise<unknown>;
}): CliCommand {
  const parse = (args: CommandArgs) => {
    const flags = parseFlags(spec.flags, args, spec.rules);
    const problems = spec.refine?.(flags) ?? [];
    if (problems.length > 0) throw badRequest(problems);
    return flags;
  };
  return {
    name: spec.name,
    description: spec.description,
    aliases: spec.aliases ?? [],
    flags: spec.flags,
    internal: spec.internal ?? false,
    check: (args) => void parse(args),
    run: (app, args, onProgress) => spec.run(app, parse(args), onProgress),
  };
}

/** `--workspace ID` ahead of a command's own flags. */
type WithWorkspace<Shape extends FlagShape> = { workspace: typeof workspaceFlag } & Shape;

/**
 * A command on one workspace: takes `--workspace ID` (before its own flags) and
 * hands `run` that workspace, or fails with 404. Shared by the commands that
 * each began by loading the workspace they were given.
 */
export function defineWorkspaceCommand<Shape extends FlagShape>(spec: {
  name: string;
  description: string;
  internal?: boolean;
  flags: Shape;
  rules?: (args: CommandArgs) => string[];
  run(app: AppContext, workspace: Workspace, flags: z.output<z.ZodObject<WithWorkspace<Shape>>>, onProgress?: ProgressFn): Promise<unknown>;
}): CliCommand {
  const flags: WithWorkspace<Shape> = { workspace: workspaceFlag, ...spec.flags };
  return defineCommand({
    ...spec,
    flags,
    run: async (app, parsed, onProgress) => {
      // Read back typed: TypeScript cannot see `workspace` in the flags of a generic shape.
      const { workspace } = parseFlags({ workspace: workspaceFlag }, parsed);
      return spec.run(app, await loadWorkspace(app, workspace), parsed, onProgress);
    },
  });
}
