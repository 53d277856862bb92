import { request } from "node:http";
import { getIntrospectionQuery } from "graphql";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { GRAPHQL_BODY_LIMIT_BYTES } from "../../src/http/graphql-limits.ts";
import { QUERY_LIMITS } from "../../src/schema/builder.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
await createSmallWorkspace(db, { id: "ws_g" });
const apiKey = (await createAccessKey(db, { workspaceId: "ws_g", role: "export" })).apiKey;
const auth = { authorization: `Bearer ${apiKey}` };

const aliases = (n: number, field = "__typename") => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
const body = (query: string) => JSON.stringify({ query });

/** POSTs a raw body, timing the answer. */
async function post(text: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth, ...headers },
    body: text,
  });
  const answer = await res.text();
  return { status: res.status, text: answer, json: () => JSON.parse(answer), ms: performance.now() - started };
}

/**
 * A refused document is 400 for `application/graphql-response+json` clients and,
 * as GraphQL over HTTP prescribes for the older `application/json`, 200 with errors.
 */
const GRAPHQL_RESPONSE = { accept: "application/graphql-response+json" };
async function refused(query: string) {
  const res = await post(body(query), GRAPHQL_RESPONSE);
  const legacy = await post(body(query), { accept: "application/json" });
  expect([res.status, legacy.status]).toEqual([400, 200]);
  expect(legacy.json()).toEqual(res.json());
  expect(res.json().data).toBeUndefined();
  expect(res.json().errors).toHaveLength(1);
  return { ...res.json().errors[0], size: res.text.length, ms: res.ms };
}
const answered = async (query: string) => {
  const res = await post(body(query), GRAPHQL_RESPONSE);
  expect(res.status).toBe(200);
  return res.json();
};

/**
 * Sends `chunks` with Transfer-Encoding: chunked (no Content-Length), as a streaming
 * client would, on a connection of its own: the server closes one it stopped reading.
 */
function postChunked(chunks: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { "content-type": "application/json", ...auth };
    const req = request(`${url}/graphql`, { method: "POST", headers, agent: false }, (res) => {
      answered = true;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    // Once answered, a reset of the rest of the upload is expected.
    req.on("error", (error) => answered || reject(error));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const TOO_LARGE = { error: "Payload Too Large", message: `Request body is larger than the limit of ${GRAPHQL_BODY_LIMIT_BYTES} bytes` };

describe("the /graphql body limit", () => {
  test("a POST body over 100 kB is a 413 { error, message } before GraphQL reads it", async () => {
    expect(GRAPHQL_BODY_LIMIT_BYTES).toBe(100 * 1024);
    const res = await post(body(`{ __typename }${" ".repeat(GRAPHQL_BODY_LIMIT_BYTES)}`));
    expect([res.status, JSON.parse(res.text)]).toEqual([413, TOO_LARGE]);
  });

  test("a chunked body without Content-Length is cut off at the limit too", async () => {
    const chunk = " ".repeat(16 * 1024);
    const res = await postChunked(['{"query":"{ __typename }', ...Array.from({ length: 10 }, () => chunk), '"}']);
    expect([res.status, JSON.parse(res.text)]).toEqual([413, TOO_LARGE]);
  });

  test("a body just under the limit is still answered", async () => {
    const query = `{ __typename }${" ".repeat(GRAPHQL_BODY_LIMIT_BYTES - 100)}`;
    const res = await postChunked([body(query)]);
    expect([res.status, JSON.parse(res.text)]).toEqual([200, { data: { __typename: "Query" } }]);
  });

  test("an empty body is still an ordinary GraphQL error, not a hang", async () => {
    const res = await post("", GRAPHQL_RESPONSE);
    expect(res.status).toBe(400);
    expect(res.json().errors[0].message).toBe("POST body sent invalid JSON.");
  });

  test("GET query strings are bounded by Node's 16 kB header limit (431)", async () => {
    const res = await fetch(`${url}/graphql?query=${encodeURIComponent(aliases(1_500))}`, { headers: auth });
    expect(res.status).toBe(431);
    await res.arrayBuffer();
  });
});

describe("hostile GraphQL documents", () => {
  test("300,000 aliased __typename (6 MB) are refused at once with a small answer", async () => {
    const query = aliases(300_000);
    expect(query.length).toBeGreaterThan(5_000_000);
    const res = await post(body(query));
    expect([res.status, res.json()]).toEqual([413, TOO_LARGE]);
    expect(res.text.length).toBeLessThan(200);
    expect(res.ms).toBeLessThan(5_000); // mostly the client uploading 6 MB; it used to be answered, at 1.4 GB of RSS
  });

  test("past 10,000 tokens the parser stops, with a message saying so", async () => {
    expect(QUERY_LIMITS.tokens).toBe(10_000);
    const error = await refused(aliases(4_000)); // 12,000 tokens in ~60 kB, under the body limit
    expect(error).toMatchObject({
      message: "Query is too long: more than 10000 tokens (names, punctuation, values); parsing stopped",
      extensions: { code: "QUERY_TOO_LONG" },
    });
    expect(error.size).toBeLessThan(300);
    expect(error.ms).toBeLessThan(2_000);
  });

  test("aliases and __typename count toward the breadth limit of 120 fields", async () => {
    expect(Object.keys((await answered(aliases(120))).data)).toHaveLength(120);
    expect(await refused(aliases(121))).toMatchObject({
      message:
        "Query exceeds maximum breadth (breadth: 121, max: 120): every selected field counts, aliases, __typename and fragment fields included",
      extensions: { code: "QUERY_TOO_BROAD" },
    });
  });

  test("a document just under the token limit but far too broad is refused quickly, without validating it", async () => {
    const error = await refused(aliases(3_000)); // 9,002 tokens
    expect(error.message).toMatch(/^Query exceeds maximum breadth \(breadth: 3000, max: 120\)/);
    expect(error.ms).toBeLessThan(2_000);
    expect(error.size).toBeLessThan(300);
  });

  test("a fragment counts each time it is spread, and nested spreads cannot blow up the count", async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}: __typename`).join(" ");
    const spreads = (n: number) => Array.from({ length: n }, () => "...F").join(" ");
    expect((await answered(`{ ${spreads(12)} } fragment F on Query { ${ten} }`)).data.t9).toBe("Query");
    expect((await refused(`{ ${spreads(13)} } fragment F on Query { ${ten} }`)).message).toMatch(
      /^Query exceeds maximum breadth \(breadth: 130, max: 120\)/,
    );

    // F40 spreads F39 twice, … down to F0: 10 × 2^40 fields if expanded.
    const chain = Array.from({ length: 40 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`).join(" ");
    const bomb = await refused(`{ ...F40 } fragment F0 on Query { ${ten} } ${chain}`);
    expect(bomb.message).toMatch(/^Query exceeds maximum breadth \(breadth: 10995116277760, max: 120\)/);
    expect(bomb.ms).toBeLessThan(2_000);
  });

  test("a full introspection query still works; aliased copies of it do not", async () => {
    const full = await answered(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }));
    expect(full.data.__schema.queryType).toMatchObject({ name: "Query" });

    const standard = getIntrospectionQuery();
    const fragments = standard.indexOf("fragment FullType");
    const schemaFields = standard.slice(standard.indexOf("__schema {") + "__schema {".length, fragments).replace(/}\s*}\s*$/, "");
    const twice = `{ a: __schema { ...S } b: __schema { ...S } } fragment S on __Schema { ${schemaFields} } ${standard.slice(fragments)}`;
    expect((await answered(twice.replace("b: __schema { ...S }", ""))).data.a.queryType).toMatchObject({ name: "Query" });
    expect((await refused(twice)).message).toMatch(/^Introspection exceeds maximum breadth \(breadth: \d+, max: 300\)$/);
  });
});
