import { GraphQLError } from "graphql";
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
