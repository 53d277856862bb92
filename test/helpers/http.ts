import { createServer } from "node:http";
import { afterAll } from "vitest";
import type { AppContext } from "../../src/runtime/context.ts";
import { handleIngest } from "../../src/http/routes/ingest.ts";
import type { Lifecycle } from "../../src/http/routes/operations.ts";
import { createHttpHandler } from "../../src/http/server.ts";
import { portOf } from "./port.ts";

/** The service's real HTTP handler on a loopback port; closed after the file. */
export async function startTestServer(app: AppContext, opts: { localCliToken?: string; lifecycle?: Lifecycle } = {}): Promise<string> {
  const server = createServer(createHttpHandler(app, { localCliToken: opts.localCliToken ?? null, lifecycle: opts.lifecycle }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${portOf(server)}`;
}

/** `handleIngest` alone on a loopback port for one workspace (authentication is the router's job); closed after the file. */
export async function startIngestServer(app: AppContext, workspaceId: string): Promise<string> {
  const server = createServer((req, res) => void handleIngest(app, req, res, workspaceId));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${portOf(server)}`;
}

/** POSTs a GraphQL operation with a Bearer key; returns status and parsed body. */
export async function graphql(
  baseUrl: string,
  apiKey: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read GraphQL answers by path (`body.data.userUsage.data.nodes`) in ~80 places, each checked by the expectation that reads it; typing them is the GraphQL tests' own change.
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}
