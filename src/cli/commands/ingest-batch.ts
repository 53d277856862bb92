import { z } from "zod";
import { RecordProblemsError } from "../../ingest/problems.ts";
import { ingestLines } from "../../ingest-file/ingest-lines.ts";
import { defineWorkspaceCommand } from "./command.ts";
import { flag, wholeNumber } from "./flags.ts";

const isTextArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((line) => typeof line === "string");

/** A batch's answer: its counts, or the problems of its refused lines. */
export const ingestBatchResult = z.union([
  z.object({ accepted: z.number(), duplicates: z.number() }),
  z.object({ problems: z.array(z.string()), moreProblems: z.number() }),
]);
type IngestBatchResult = z.output<typeof ingestBatchResult>;

/**
 * One batch of `usage-exports ingest FILE` (not a command users type): the
 * CLI reads the file and sends its lines batch by batch, running this here
 * when it holds the database, or forwarding it to the server that does.
 * Refused lines come back as a result, not an error, so the CLI gets the
 * problem list whichever way the batch went.
 */
export const ingestBatch = defineWorkspaceCommand({
  name: "ingest batch",
  description: "One batch of lines of `ingest FILE`",
  internal: true,
  flags: {
    firstLine: flag(null, wholeNumber(1, Number.MAX_SAFE_INTEGER)),
    lines: flag(null, z.custom<string[]>(isTextArray, { error: "must be an array of strings" })),
  },
  async run(app, workspace, { firstLine, lines }): Promise<IngestBatchResult> {
    try {
      const { accepted, duplicates } = await ingestLines(app.db, workspace.id, lines, firstLine, app.now());
      return { accepted, duplicates };
    } catch (error) {
      if (error instanceof RecordProblemsError) return { problems: error.problems, moreProblems: error.moreProblems };
      throw error;
    }
  },
});
