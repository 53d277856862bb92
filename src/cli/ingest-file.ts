import { access } from "node:fs/promises";
import { resolve } from "node:path";
import type { Env } from "../config/env.ts";
import {
  checkpointPath,
  currentScope,
  readCheckpoint,
  removeCheckpoint,
  writeCheckpoint,
  type CheckpointScope,
} from "../ingest-file/checkpoint.ts";
import { LineTooLongError, readBatches, type BatchLimits, type FilePosition } from "../ingest-file/file-batches.ts";
import { type CommandArgs, workspaceFlag } from "./commands/args.ts";
import type { ProgressFn } from "./commands/command.ts";
import { flag, on, parseFlags, text, wholeNumber } from "./commands/flags.ts";
import { ingestBatchResult } from "./commands/ingest-batch.ts";
import type { CommandRunner } from "./runner.ts";

/**
 * Records per batch by default: one INSERT of ingest.ts's, and at most that many
 * records sent again after an interruption.
 */
const DEFAULT_BATCH_RECORDS = 5_000;
const MAX_BATCH_RECORDS = 100_000;
/** In this process a batch may be large; a bound on memory, not a protocol limit. */
const LOCAL_BATCH_BYTES = 8 * 1024 * 1024;
/**
 * Through a server, a batch is one `/_local/cli` request, whose body that
 * endpoint caps at 64 KiB (src/http/routes/local-cli.ts): the lines, as JSON
 * strings, get 60 KiB of it. Smaller batches, same transactions and results.
 */
const FORWARDED_BATCH_BYTES = 60 * 1024;

export interface IngestFileInput {
  file: string;
  workspaceId: string;
  /** Ignore (and delete) an earlier run's checkpoint. */
  restart: boolean;
  batchRecords: number;
}

export interface IngestFileResult {
  file: string;
  workspaceId: string;
  /** The line after which this run started (0: from the top). */
  resumedAfterLine: number;
  /** Lines in the file. */
  lines: number;
  /** Records (non-blank lines) this run sent, and the batches they went in. */
  records: number;
  batches: number;
  accepted: number;
  duplicates: number;
}

/** The flags of `usage-exports ingest FILE --workspace ID [--restart] [--batch-records N]`. */
export const INGEST_FILE_FLAGS = {
  file: flag(
    { value: "<file>", help: "one record per line (SPEC §7); gzip when named .gz or when its content is", positional: true },
    text,
  ),
  workspace: workspaceFlag,
  restart: flag({ help: "ignore the checkpoint an interrupted run left and send the whole file" }, on),
  batchRecords: flag(
    { value: "<n>", help: `records per batch (default ${DEFAULT_BATCH_RECORDS})` },
    wholeNumber(1, MAX_BATCH_RECORDS).optional(),
  ),
};

/** The command's flags, checked before anything is opened. */
export function parseIngestFileArgs(args: CommandArgs): IngestFileInput {
  const flags = parseFlags(INGEST_FILE_FLAGS, args);
  return {
    file: resolve(flags.file),
    workspaceId: flags.workspace,
    restart: flags.restart,
    batchRecords: flags.batchRecords ?? DEFAULT_BATCH_RECORDS,
  };
}

export interface IngestFileHooks {
  onProgress?: ProgressFn;
  /** A line for the user on stderr: resuming, starting over. */
  notice(text: string): void;
}

/**
 * Sends an NDJSON file batch by batch, each one atomic transaction, keeping a
 * checkpoint after each stored batch so an interrupted run resumes where it
 * stopped. A refused batch stops the run with its problems (file line numbers);
 * everything before it stays stored and checkpointed.
 */
export async function ingestFile(
  runner: CommandRunner,
  env: Env,
  input: IngestFileInput,
  hooks: IngestFileHooks,
): Promise<IngestFileResult> {
  const { file, workspaceId } = input;
  await access(file).catch(() => {
    throw new Error(`cannot read ${file}`);
  });
  const scope = await currentScope(file, workspaceId, databaseOf(env));
  const start = await startingPoint(file, scope, input.restart, hooks);
  const forwarded = runner.where === "server";
  const limits: BatchLimits = forwarded
    ? { records: input.batchRecords, bytes: FORWARDED_BATCH_BYTES, cost: (line) => Buffer.byteLength(JSON.stringify(line)) + 1 }
    : { records: input.batchRecords, bytes: LOCAL_BATCH_BYTES, cost: (line) => Buffer.byteLength(line) + 1 };

  const result: IngestFileResult = {
    file,
    workspaceId,
    resumedAfterLine: start.line,
    lines: start.line,
    records: 0,
    batches: 0,
    accepted: 0,
    duplicates: 0,
  };
  let sentBefore = start.records;
  hooks.onProgress?.(0, scope.size);
  try {
    for await (const batch of readBatches(file, start, limits)) {
      if (batch.records > 0) {
        const answer = ingestBatchResult.parse(
          await runner.run("ingest batch", { workspace: workspaceId, firstLine: batch.firstLine, lines: batch.lines }),
        );
        if ("problems" in answer) throw refusal(file, answer, batch.firstLine, batch.end.line);
        result.accepted += answer.accepted;
        result.duplicates += answer.duplicates;
        result.records += batch.records;
        result.batches++;
      }
      result.lines = batch.end.line;
      sentBefore += batch.records;
      await writeCheckpoint(file, { version: 1, ...scope, ...batch.end, records: sentBefore, updatedAt: new Date().toISOString() });
      hooks.onProgress?.(batch.fileBytesRead, scope.size);
    }
  } catch (error) {
    if (error instanceof LineTooLongError && forwarded && error.limit === FORWARDED_BATCH_BYTES)
      throw new Error(
        `line ${error.line} is too long to send through the server holding the embedded database (${error.bytes} bytes as JSON, at most ${FORWARDED_BATCH_BYTES}): stop the server and run the command again, to ingest in this process`,
      );
    throw error;
  }
  // Done: a later run sends the file again (all duplicates) instead of finding nothing to do.
  await removeCheckpoint(file);
  hooks.onProgress?.(scope.size, scope.size);
  return result;
}

/** Where this run starts: after the checkpoint of an interrupted run of the same file, or at the top. */
async function startingPoint(
  file: string,
  scope: CheckpointScope,
  restart: boolean,
  hooks: IngestFileHooks,
): Promise<FilePosition & { records: number }> {
  const top = { offset: 0, line: 0, records: 0 };
  if (restart) {
    await removeCheckpoint(file);
    return top;
  }
  const saved = await readCheckpoint(file, scope);
  if (saved === null) return top;
  if ("stale" in saved) {
    hooks.notice(`Starting from the top: the checkpoint ${checkpointPath(file)} does not apply (${saved.stale})`);
    return top;
  }
  hooks.notice(`Resuming after line ${saved.line} (checkpoint ${checkpointPath(file)}); --restart sends the whole file again`);
  return saved;
}

/** The refused batch's problems, one per line, and where the file stands. */
function refusal(file: string, answer: { problems: string[]; moreProblems: number }, firstLine: number, lastLine: number): Error {
  const more = answer.moreProblems;
  const stored =
    firstLine > 1 ? `lines 1–${firstLine - 1} are stored (checkpoint ${checkpointPath(file)})` : "nothing of the file is stored";
  return new Error(
    [
      ...answer.problems,
      ...(more > 0
        ? [`and ${more} more ${more === 1 ? "problem" : "problems"} (only the first ${answer.problems.length} are listed)`]
        : []),
      `Stopped: the batch of ${firstLine === lastLine ? `line ${firstLine}` : `lines ${firstLine}–${lastLine}`} was refused and nothing of it stored; ${stored}.`,
      "Fix the file and run the command again (a changed file is sent from the top: records already stored count as duplicates).",
    ].join("\n"),
  );
}

/** What a checkpoint is valid for: the embedded database's folder, or the PostgreSQL server and database (never the password). */
function databaseOf(env: Env): string {
  if (!env.databaseUrl) return `embedded:${env.dataDir}`;
  const url = new URL(env.databaseUrl);
  return `postgresql://${url.host}${url.pathname}`;
}
