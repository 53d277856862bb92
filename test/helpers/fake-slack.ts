import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterAll } from "vitest";

/** A Slack API method the fake can be told to fail. */
type SlackUploadStep = "getUploadURLExternal" | "completeUploadExternal";

/** What the fake Slack API saw, in arrival order. */
interface SlackCalls {
  /** The Authorization header of every request, uploads included. */
  authorization: string[];
  /** The form fields of each files.getUploadURLExternal call. */
  getUploadUrl: Record<string, string>[];
  /** The file bytes of each upload (raw or multipart, as the client sends them). */
  uploaded: Buffer[];
  /** Each files.completeUploadExternal call: the channel, the comment and the parsed `files`. */
  completed: { channel_id?: string; initial_comment?: string; files: unknown }[];
}

export interface FakeSlack {
  /** For `SLACK_API_URL` or the deliverer's `apiUrl`: `http://127.0.0.1:PORT/api/`. */
  apiUrl: string;
  /** What it saw since it started or since the last `reset()`. */
  readonly seen: SlackCalls;
  /**
   * How the next calls to `files.<step>` go wrong, until cleared: "rate-limited"
   * answers 429 with Retry-After: 7, any other string is the Slack error code of
   * an `ok: false` answer. Null (the default): every call succeeds.
   */
  failure: { step: SlackUploadStep; reply: string } | null;
  /** Forgets what was seen and clears `failure` (for a beforeEach). */
  reset(): void;
}

/**
 * A stand-in for Slack's files upload v2 on loopback: files.getUploadURLExternal,
 * the upload URL it hands out, and files.completeUploadExternal. It keeps what
 * each call carried and can be told to fail a step. Closed after the file.
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const seen: SlackCalls = { authorization: [], getUploadUrl: [], uploaded: [], completed: [] };
  let fileCount = 0;
  let base = "";
  const fake: FakeSlack = {
    apiUrl: "",
    seen,
    failure: null,
    reset() {
      seen.authorization.length = 0;
      seen.getUploadUrl.length = 0;
      seen.uploaded.length = 0;
      seen.completed.length = 0;
      fileCount = 0;
      fake.failure = null;
    },
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const form = () => Object.fromEntries(new URLSearchParams(body.toString("utf8")));
    seen.authorization.push(req.headers.authorization ?? "");
    const failing = fake.failure && req.url === `/api/files.${fake.failure.step}` ? fake.failure.reply : null;
    if (failing === "rate-limited") return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": "7" });
    if (failing) return json(res, 200, { ok: false, error: failing });

    if (req.url === "/api/files.getUploadURLExternal") {
      seen.getUploadUrl.push(form());
      fileCount += 1;
      return json(res, 200, { ok: true, upload_url: `${base}/upload/F${fileCount}`, file_id: `F${fileCount}` });
    }
    if (req.url?.startsWith("/upload/")) {
      seen.uploaded.push(await uploadedBytes(req, body));
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(`OK - ${body.length}`);
    }
    if (req.url === "/api/files.completeUploadExternal") {
      const { channel_id, initial_comment, files } = form();
      const parsed: unknown = JSON.parse(files ?? "null");
      seen.completed.push({ channel_id, initial_comment, files: parsed });
      // Slack answers with the files it shared.
      return json(res, 200, { ok: true, files: parsed });
    }
    return json(res, 404, { ok: false, error: "unknown_method" });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the fake Slack server has no port");
  base = `http://127.0.0.1:${address.port}`;
  fake.apiUrl = `${base}/api/`;
  return fake;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** The file bytes of an upload, whether posted raw or as multipart form data (what the client sends today). */
async function uploadedBytes(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("multipart/form-data")) return body;
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": type } }).formData();
  const file = [...form.values()].find((v): v is File => typeof v !== "string");
  return file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
