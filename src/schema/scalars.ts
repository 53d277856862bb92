import { GraphQLError } from "graphql";
import { GraphQLSafeInt } from "graphql-scalars";
import { builder } from "./builder.ts";

builder.scalarType("Date", {
  description: "A calendar date, YYYY-MM-DD.",
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new GraphQLError("Date must be YYYY-MM-DD");
    return v;
  },
});

builder.scalarType("DateTime", {
  description: "An instant, ISO 8601 in UTC.",
  serialize: (v) => v.toISOString(),
  parseValue: (v) => {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) throw new GraphQLError("DateTime must be ISO 8601");
    return d;
  },
});

builder.scalarType("Decimal", {
  description: "An exact decimal number as a string, written as in the CSV exports (e.g. 0.0035).",
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== "string" || !/^-?\d+(\.\d+)?$/.test(v)) throw new GraphQLError("Decimal must be a numeric string");
    return v;
  },
});

// Sums of usage records (tokens, messages, requests): a year of a large workspace
// passes Int's 2^31 (one model's input tokens did on a 10M-record data set), while
// reaching 2^53 − 1 at that rate takes millions of years. graphql-scalars' SafeInt stays a
// plain JSON number, so clients read it as before; out of range it errors, never rounds.
builder.addScalarType("SafeInt", GraphQLSafeInt, {
  description:
    "A whole number up to 2^53 − 1, written as a JSON number: exact in a JavaScript number (Number.isSafeInteger), a 64-bit integer or a double. Used for sums of usage records: tokens, messages, requests.",
});
