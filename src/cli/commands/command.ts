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
  run(app: AppContext, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown>;
}
