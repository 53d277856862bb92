import type { AppContext } from "../../context.ts";
import type { CommandArgs } from "./args.ts";

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
  /** Checks the flags without the database, throwing a 400 that names each bad flag. */
  check(args: CommandArgs): void;
  run(app: AppContext, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown>;
}

/**
 * A command from a flag parser and a body. The flags are parsed again in `run`
 * because `run` may be reached over HTTP, where nothing was checked before.
 */
export function defineCommand<Input>(spec: {
  name: string;
  parse(args: CommandArgs): Input;
  run(app: AppContext, input: Input, onProgress?: ProgressFn): Promise<unknown>;
}): CliCommand {
  return {
    name: spec.name,
    check: (args) => void spec.parse(args),
    run: (app, args, onProgress) => spec.run(app, spec.parse(args), onProgress),
  };
}
