import { describe, expect, test } from "vitest";
import { Random } from "../../src/demo/random.ts";
import { RECORD_SCHEMAS, validateRecord } from "../../src/ingest/records.ts";
import { fastUsage } from "../../src/ingest/usage-fast-path.ts";

/**
 * The usage fast path against the schema, on valid records and on thousands of
 * mutations of them with the values each rule is about: whatever it accepts,
 * the schema accepts with the same value; whatever the schema refuses, it refuses.
 */
const message = {
  type: "message",
  id: "m-1",
  occurredAt: "2026-11-02T10:00:00.123+01:00",
  userId: "u-1",
  surface: "agent",
  agentId: "a-1",
  conversationId: "c-1",
  action: "web_search",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  deploymentId: "d-1",
  promptTokens: 120,
  completionTokens: 30,
  cachedPromptTokens: 10,
  cacheCreationTokens: 0,
  costUsd: "0.001250000",
  paygCostUsd: 0.5,
};
const apiRequest = {
  type: "api_request",
  id: "r-1",
  occurredAt: "2026-11-02T10:00:00Z",
  apiKeyId: "k-1",
  model: "claude-sonnet-4",
  provider: "anthropic",
  source: "API",
};

/** Values that sit on or across a rule's edge, for any field. */
const EDGES: unknown[] = [
  undefined,
  null,
  "",
  " ",
  "\t\n",
  "x",
  "a\u0000b",
  "\ud800",
  "ok\udc00",
  "😀",
  "é".repeat(127),
  "é".repeat(128),
  "a".repeat(255),
  "a".repeat(256),
  `${"a".repeat(253)}é`,
  `${"a".repeat(254)}é`,
  0,
  1,
  -1,
  1.5,
  2_147_483_647,
  2_147_483_648,
  1e21,
  1e-7,
  0.000000001,
  0.0000000001,
  99_999_999_999.999,
  100_000_000_000,
  Number.MAX_SAFE_INTEGER,
  "0",
  "0.123456789",
  "0.1234567891",
  "00012.5",
  " 1.5 ",
  "1e3",
  "-1",
  "99999999999.999999999",
  "100000000000",
  true,
  [],
  {},
  ["a"],
  "2026-11-02T10:00:00Z",
  "2026-11-02T10:00:00",
  "2026-11-02",
  "2026-02-29T00:00:00Z",
  "2024-02-29T00:00:00Z",
  "2026-11-02T24:00:00Z",
  "2026-11-02T10:00:00.123456789-05:30",
  "0001-01-01T00:30:00+01:00",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999Z",
  "9999-12-31T23:30:00-01:00",
  "2026-11-02t10:00:00z",
  "chat",
  "agent",
  "project",
  "Chat",
  "message",
  "api_request",
];

function outcomes(raw: Record<string, unknown>) {
  const type = raw.type === "api_request" ? "api_request" : "message";
  const schema = RECORD_SCHEMAS[type].safeParse(raw);
  const validated = validateRecord(raw);
  return { fast: fastUsage(raw), schema, validated };
}

describe("the usage fast path", () => {
  test("takes the usual message and API request, with the schema's values", () => {
    for (const raw of [message, apiRequest]) {
      const { fast, schema } = outcomes(raw);
      expect(fast).not.toBeNull();
      expect(schema.success).toBe(true);
      expect(fast).toStrictEqual(schema.data);
    }
  });

  test("never accepts what the schema refuses, and gives what the schema gives, on every edge value of every field", () => {
    let taken = 0;
    let checked = 0;
    for (const base of [message, apiRequest])
      for (const field of [...Object.keys(message), ...Object.keys(apiRequest), "unknownField"])
        for (const value of EDGES) {
          const raw: Record<string, unknown> = { ...base };
          if (value === undefined) delete raw[field];
          else raw[field] = value;
          const { fast, validated } = outcomes(raw);
          checked++;
          if (fast === null) continue;
          taken++;
          // The schema's verdict, surface rule included (validateRecord), for this record.
          const { schema } = outcomes(raw);
          expect({ field, value, ok: validated.ok, schema: schema.success }).toEqual({ field, value, ok: true, schema: true });
          expect(fast).toStrictEqual(schema.data);
        }
    // Both branches ran: many mutations stay valid, many do not.
    expect(checked).toBeGreaterThan(2_000);
    expect(taken).toBeGreaterThan(200);
    expect(taken).toBeLessThan(checked);
  });

  test("agrees with the schema on random combinations of edge values", () => {
    const rng = new Random(11);
    const fields = [...new Set([...Object.keys(message), ...Object.keys(apiRequest)])];
    for (let i = 0; i < 5_000; i++) {
      const raw: Record<string, unknown> = { ...(rng.next() < 0.5 ? message : apiRequest) };
      for (let n = 0; n < 3; n++) {
        const field = fields[Math.floor(rng.next() * fields.length)]!;
        const value = EDGES[Math.floor(rng.next() * EDGES.length)];
        if (value === undefined) delete raw[field];
        else raw[field] = value;
      }
      const { fast, schema, validated } = outcomes(raw);
      if (fast === null) continue;
      expect({ raw, ok: validated.ok }).toEqual({ raw, ok: true });
      expect(fast).toStrictEqual(schema.data);
    }
  });
});
