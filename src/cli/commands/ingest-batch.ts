import { RecordProblemsError } from "../../ingest/problems.ts";
import { ingestLines } from "../../ingest-file/ingest-lines.ts";
import { ArgReader, loadWorkspace } from "./args.ts";
import { defineCommand } from "./command.ts";

export type IngestBatchResult = { accepted: number; duplicates: number } | { problems: string[]; moreProblems: number };

/**
 * One batch of `usage-exports ingest FILE` (not a command users type): the
 * CLI reads the file and sends its lines batch by batch, running this here
 * when it holds the database, or forwarding it to the server that does.
 * Refused lines come back as a result, not an error, so the CLI gets the
 * problem list whichever way the batch went.
 */
export const ingestBatch = defineCommand({
  name: "ingest batch",
  parse(args) {
    const a = new ArgReader(args);
    const workspaceId = a.string("workspace", { required: true });
    const firstLine = a.int("firstLine", 1, Number.MAX_SAFE_INTEGER);
    if (firstLine === undefined) a.problem("firstLine is required");
    const lines = args.lines;
    if (!Array.isArray(lines) || !lines.every((l) => typeof l === "string")) a.problem("lines must be an array of strings");
    a.check();
    return { workspaceId, firstLine: firstLine!, lines: lines as string[] };
  },
  async run(app, { workspaceId, firstLine, lines }): Promise<IngestBatchResult> {
    await loadWorkspace(app, workspaceId);
    try {
      const { accepted, duplicates } = await ingestLines(app.db, workspaceId, lines, firstLine, app.now());
      return { accepted, duplicates };
    } catch (error) {
      if (error instanceof RecordProblemsError) return { problems: error.problems, moreProblems: error.moreProblems };
      throw error;
    }
  },
});
