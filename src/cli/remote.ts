import { z } from "zod";
import type { ServerAdvert } from "../db/embedded-lock.ts";
import type { CommandArgs } from "./commands/args.ts";
import type { ProgressFn } from "./commands/command.ts";
import { LOCAL_CLI_PATH } from "../http/routes/local-cli.ts";

/** A failure the server returned for a forwarded command: shown to the user as-is. */
class RemoteCommandError extends Error {}

/** One line of the server's NDJSON answer. */
const answerLine = z.union([
  z.object({ progress: z.object({ done: z.number(), total: z.number() }) }),
  z.object({ result: z.unknown() }),
  z.object({ error: z.string() }),
]);
type Line = z.output<typeof answerLine>;

/** The server's refusal before it ran anything (`{ error, message }`). */
const errorBody = z.object({ message: z.string() });

/**
 * Runs a command in the server that holds the embedded database, relaying its
 * progress lines, and returns its result (or throws its error message).
 */
export async function runOnServer(advert: ServerAdvert, command: string, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(LOCAL_CLI_PATH, advert.url), {
      method: "POST",
      headers: { authorization: `Bearer ${advert.token}`, "content-type": "application/json" },
      body: JSON.stringify({ command, args }),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new RemoteCommandError(`could not reach the server at ${advert.url} (pid ${advert.pid}): ${reason}`);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      const parsed = errorBody.safeParse(JSON.parse(text));
      if (parsed.success) message = parsed.data.message;
    } catch {
      // not JSON: show the text
    }
    throw new RemoteCommandError(`the server at ${advert.url} refused the command: ${message}`);
  }
  for await (const line of ndjsonLines(response.body)) {
    if ("progress" in line) onProgress?.(line.progress.done, line.progress.total);
    else if ("result" in line) return line.result;
    else if ("error" in line) throw new RemoteCommandError(line.error);
  }
  throw new RemoteCommandError(`the server at ${advert.url} closed the connection before answering`);
}

async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield answerLine.parse(JSON.parse(line));
    }
  }
  if (buffered.trim()) yield answerLine.parse(JSON.parse(buffered));
}
