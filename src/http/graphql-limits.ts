import { createGraphQLError, type Plugin } from "graphql-yoga";
import { operationBreadths, QUERY_LIMITS } from "../schema/builder.ts";

/**
 * POST /graphql bodies: the page's requests and a full introspection query are a
 * few kB. GET queries are bounded by Node's header limit (16 kB, answered 431).
 */
export const GRAPHQL_BODY_LIMIT_BYTES = 100 * 1024;

/** graphql-js's own refusal at `maxTokens` ("Document contains more that N tokens" in 16.x). */
const TOKEN_LIMIT_ERROR = /more th(?:an|at) \d+ tokens/;

/**
 * Refuses hostile documents before they cost anything: past the token limit the
 * parser stops; past the breadth limits validation (which is slow on thousands of
 * fields) is skipped. The complexity plugin still checks cost and depth when the
 * operation runs.
 */
export function queryLimits(): Plugin {
  return {
    // Yoga's parse and error class rather than our own import of graphql, so a second copy
    // of graphql (ESM next to CJS) cannot make the error look unexpected and get masked.
    onParse: ({ parseFn, setParseFn }) =>
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: QUERY_LIMITS.tokens });
        } catch (error) {
          if (!(error instanceof Error) || !TOKEN_LIMIT_ERROR.test(error.message)) throw error;
          throw createGraphQLError(
            `Query is too long: more than ${QUERY_LIMITS.tokens} tokens (names, punctuation, values); parsing stopped`,
            { extensions: { code: "QUERY_TOO_LONG" } },
          );
        }
      }),
    onValidate({ params, setResult }) {
      const errors = operationBreadths(params.documentAST).flatMap(({ breadth, introspection }) => [
        ...(breadth > QUERY_LIMITS.breadth
          ? [
              `Query exceeds maximum breadth (breadth: ${breadth}, max: ${QUERY_LIMITS.breadth}): every selected field counts, aliases, __typename and fragment fields included`,
            ]
          : []),
        ...(introspection > QUERY_LIMITS.introspectionBreadth
          ? [`Introspection exceeds maximum breadth (breadth: ${introspection}, max: ${QUERY_LIMITS.introspectionBreadth})`]
          : []),
      ]);
      if (errors.length > 0) setResult(errors.map((message) => createGraphQLError(message, { extensions: { code: "QUERY_TOO_BROAD" } })));
    },
  };
}
