import type { ServerAdvert } from "../db/embedded-lock.ts";
import type { CommandArgs } from "./commands/args.ts";
import type { ProgressFn } from "./commands/command.ts";
import { LOCAL_CLI_PATH } from "../http/routes/local-cli.ts";

/** A failure the server returned for a forwarded command: shown to the user as-is. */
export class RemoteCommandError extends Error {}

/** One line of the server's NDJSON answer. */
type Line = { progress: { done: number; total: number } } | { result: unknown } | { error: string };

/**
 * Runs a command in the server that holds the embedded database, relaying its
 * progress lines, and returns its result (or throws its error message).
 */
export async function runOnServer(
  advert: ServerAdvert,
  command: string,
  args: CommandArgs,
  onProgress?: ProgressFn,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(LOCAL_CLI_PATH, advert.url), {
      method: "POST",
      headers: { authorization: `Bearer ${advert.token}`, "content-type": "application/json" },
      body: JSON.stringify({ command, args }),
    });
  } catch (error) {
    const reason = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new RemoteCommandError(`could not reach the server at ${advert.url} (pid ${advert.pid}): ${reason}`);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
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
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as Line;
    }
  }
  if (buffered.trim()) yield JSON.parse(buffered) as Line;
}
