import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { COMMANDS, runCommand } from "../../cli/commands/index.ts";
import type { CommandArgs } from "../../cli/commands/args.ts";
import type { AppContext } from "../../runtime/context.ts";
import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import { type FieldLabel, parseInput } from "../../errors/input.ts";
import { parseJson, readBody } from "../shared/body.ts";
import { sendError, sendJson } from "../shared/respond.ts";

/**
 * Where a CLI sends its command when this server holds the embedded database
 * (PGlite admits one process). The server advertises the URL and a random token
 * in `${DATA_DIR}/server.json` (mode 0600): only a local user who can read that
 * file, connecting over loopback, may run commands here.
 */
export const LOCAL_CLI_PATH = "/_local/cli";

const BODY_LIMIT_BYTES = 64 * 1024;
/** Progress lines at most this often: a CSV of 100,000 rows should not mean 100,000 lines. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * `POST /_local/cli` with `{ command, args }`: runs the command from the CLI's
 * registry here and answers NDJSON: `{"progress":{"done":n,"total":m}}` lines,
 * then one `{"result": …}` or `{"error": "message"}`.
 */
export async function handleLocalCli(app: AppContext, req: IncomingMessage, res: ServerResponse, token: string) {
  if (req.method !== "POST") {
    sendJson(res, 405, { error: "Method Not Allowed", message: "Use POST" }, { allow: "POST" });
    return;
  }
  if (!isLoopback(req.socket.remoteAddress)) return forbid(res, "The local CLI endpoint only answers loopback connections");
  // A web page could reach localhost; no browser request belongs here.
  if (req.headers.origin !== undefined) return forbid(res, "Browser-origin requests are refused");
  if (!tokenMatches(req.headers.authorization, token)) return forbid(res, "Wrong or missing local CLI token");

  let command: string;
  let args: CommandArgs;
  try {
    ({ command, args } = readRequest(parseJson(await readBody(req, BODY_LIMIT_BYTES))));
  } catch (error) {
    sendError(res, error, app.log);
    return;
  }

  res.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
  const writeLine = (line: object) => res.write(`${JSON.stringify(line)}\n`);
  let lastProgress = 0;
  const onProgress = (done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    writeLine({ progress: { done, total } });
  };
  try {
    writeLine({ result: (await runCommand(app, command, args, onProgress)) ?? null });
  } catch (error) {
    if (!(error instanceof AppError)) app.log.error({ err: error, command }, "local CLI command failed");
    // The caller is the local operator: the plain message helps more than a masked one.
    writeLine({ error: error instanceof Error ? error.message : String(error) });
  }
  res.end();
}

const commandChoice = () => `command must be one of ${[...COMMANDS.keys()].join(", ")}`;

/** `{ command, args }`: a registered command's name and its arguments as JSON. */
const cliRequest = z.object(
  {
    command: z.string({ error: commandChoice }).refine((name) => COMMANDS.has(name), { error: commandChoice }),
    args: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
  },
  { error: commandChoice },
);

/** The command's problems say all they mean; the arguments' are named. */
const requestLabel: FieldLabel = (path) => (path[0] === "args" ? "args" : "");

function readRequest(body: unknown): { command: string; args: CommandArgs } {
  const { command, args } = parseInput(cliRequest, body, requestLabel);
  return { command, args: args ?? {} };
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function forbid(res: ServerResponse, message: string) {
  sendJson(res, 403, { error: "Forbidden", message });
}
