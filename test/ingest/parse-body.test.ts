import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import { parseIngestBody } from "../../src/ingest/parse-body.ts";
import { expectInstanceOf } from "../helpers/expect.ts";

/** The records of a body with the label of each. */
async function parsed(type: string, body: string) {
  const { records, label } = await parseIngestBody(type, body);
  return { records, labels: records.map((_, i) => label(i)) };
}

/** The AppError a call throws (fails the test if it returns). */
async function thrown(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (error) {
    return expectInstanceOf(error, AppError);
  }
  throw new Error("expected an AppError");
}

describe("parseIngestBody", () => {
  it("labels NDJSON records by their line in the body, counting blank lines", async () => {
    const body = '{"type":"user","id":"u1"}\n\n{"type":"user","id":"u2"}\r\n   \n{"type":"user","id":"u3"}\n';
    expect(await parsed("application/x-ndjson", body)).toEqual({
      records: [
        { type: "user", id: "u1" },
        { type: "user", id: "u2" },
        { type: "user", id: "u3" },
      ],
      labels: ["line 1", "line 3", "line 5"],
    });
  });

  it("accepts a content type with parameters and in any case", async () => {
    expect((await parsed("Application/X-NDJSON; charset=utf-8", '{"a":1}')).labels).toEqual(["line 1"]);
    expect((await parsed("application/json; charset=utf-8", '[{"a":1}]')).labels).toEqual(["record 1"]);
  });

  it("labels the records of a JSON array by their 1-based index", async () => {
    expect(await parsed("application/json", '[{"id":"a"},{"id":"b"}]')).toEqual({
      records: [{ id: "a" }, { id: "b" }],
      labels: ["record 1", "record 2"],
    });
  });

  it("reports every NDJSON line that is not JSON at once", async () => {
    const error = await thrown(() => parseIngestBody("application/x-ndjson", '{"id":"a"}\nnot json\n\n{"id":\n{"id":"b"}'));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.problems).toEqual(["line 2: not valid JSON", "line 4: not valid JSON"]);
  });

  it("refuses a JSON body that is not an array", async () => {
    expect((await thrown(() => parseIngestBody("application/json", '{"type":"user"}'))).problems).toEqual([
      "A application/json body must be an array of records",
    ]);
  });

  it("refuses malformed JSON with a 400 instead of a SyntaxError", async () => {
    const error = await thrown(() => parseIngestBody("application/json", "[{"));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Malformed JSON body: /);
  });

  it("refuses an unsupported content type, naming it and the two accepted ones", async () => {
    const error = await thrown(() => parseIngestBody("text/csv", "a,b"));
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'Content-Type "text/csv" is not supported: send application/x-ndjson (one record per line) or application/json (an array of records)',
    );
  });

  it("refuses a request without a content type", async () => {
    expect((await thrown(() => parseIngestBody(undefined, "{}"))).message).toMatch(/^Content-Type "\(none\)" is not supported/);
  });

  it.each([
    ["an empty NDJSON body", "application/x-ndjson", ""],
    ["an NDJSON body of blank lines", "application/x-ndjson", "\n \r\n\n"],
    ["an empty JSON body", "application/json", "  "],
    ["an empty JSON array", "application/json", "[]"],
  ])("refuses %s as holding no records", async (_name, type, body) => {
    const error = await thrown(() => parseIngestBody(type, body));
    expect(error.status).toBe(400);
    expect(error.problems).toEqual(["The request body holds no records"]);
  });

  it("ignores a UTF-8 byte order mark at the start of the body", async () => {
    expect((await parseIngestBody("application/x-ndjson", '\uFEFF{"id":"a"}')).records).toEqual([{ id: "a" }]);
  });
});
