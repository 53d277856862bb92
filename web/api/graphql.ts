import { print } from "@0no-co/graphql.web";
import { initGraphQLTada, type TadaDocumentNode } from "gql.tada";
import type { introspection } from "../generated/graphql-env.d.ts";
import { currentCsrfToken } from "./session.ts";

/**
 * Typed GraphQL documents: `graphql(\`query …\`)` types its result and variables
 * from schema.graphql, through web/generated/graphql-env.d.ts (`npm run web:types`
 * writes it; CI fails when it is stale). Custom scalars as they travel in JSON.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { Date: string; DateTime: string; Decimal: string; SafeInt: number };
  disableMasking: true;
}>();

export type { ResultOf, VariablesOf } from "gql.tada";

/** A failure to show in the page: an AppError from the API, or a transport problem. */
export class PageError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** The message of anything caught. */
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Called when the session is gone (expired, signed out elsewhere, key revoked). */
let onSessionLost: (message: string) => void = () => {};
export function whenSessionLost(handler: (message: string) => void) {
  onSessionLost = handler;
}

/** The parts of a GraphQL over HTTP answer (or of the server's `{ error, message }`) the page reads. */
interface Answer<Result> {
  data?: Result | null;
  errors?: { message: string }[];
  message?: string;
}

/** Runs a typed GraphQL operation with the session cookie and its CSRF token. */
export async function gql<Result, Variables>(document: TadaDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
  const res = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": currentCsrfToken() ?? "" },
    body: JSON.stringify({ query: print(document), variables }),
  });
  // The answer to this document: its `data` has the document's result type (schema.graphql, checked by the server).
  // biome-ignore lint/nursery/noUnsafeTypeAssertion: JSON from the server; gql.tada types it from the document, nothing checks it at run time.
  const body = (await res.json().catch(() => null)) as Answer<Result> | null;
  if (res.status === 401) {
    const message = body?.message ?? "Your session has ended: sign in again";
    onSessionLost(message);
    throw new PageError(message, "UNAUTHORIZED");
  }
  if (body?.errors?.length) throw new PageError(body.errors.map((e) => e.message).join("; "));
  if (!res.ok || !body?.data) throw new PageError(body?.message ?? `The request failed (HTTP ${res.status})`);
  return body.data;
}

/** The AppError member every result union has (`...Failure` in a document selects it). */
interface Failure {
  __typename: "AppError";
  code: string;
  message: string;
  problems: string[];
}

/** Selects a result union's AppError member: spread it as `...Failure` next to the success member. */
export const FAILURE = graphql(`
  fragment Failure on AppError { code message problems }
`);

/** The success data of a result union (`{ __typename, data }`). */
export type DataOf<R> = R extends { data: infer D } ? D : never;

/** The data of a result union, or a PageError carrying the AppError's message. */
export function unwrap<D>(r: Failure | { __typename: string; data: D }): D {
  if ("data" in r) return r.data;
  throw new PageError(r.message, r.code, r.problems);
}
