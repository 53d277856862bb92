import { currentCsrfToken } from "./session.ts";

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

/** Called when the session is gone (expired, signed out elsewhere, key revoked). */
let onSessionLost: (message: string) => void = () => {};
export function whenSessionLost(handler: (message: string) => void) {
  onSessionLost = handler;
}

/** Runs a GraphQL operation with the session cookie and its CSRF token. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": currentCsrfToken() ?? "" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => null)) as { data?: T; errors?: { message: string }[]; message?: string } | null;
  if (res.status === 401) {
    const message = body?.message ?? "Your session has ended: sign in again";
    onSessionLost(message);
    throw new PageError(message, "UNAUTHORIZED");
  }
  if (body?.errors?.length) throw new PageError(body.errors.map((e) => e.message).join("; "));
  if (!res.ok || !body?.data) throw new PageError(body?.message ?? `The request failed (HTTP ${res.status})`);
  return body.data;
}

/** A result union member: either the AppError or `{ data }`. */
export type Result<T> = { __typename: "AppError"; code: string; message: string; problems: string[] } | { __typename: string; data: T };

/** The GraphQL selection that goes with `Result<T>`. */
export const result = (successType: string, selection: string) =>
  `{ __typename ... on AppError { code message problems } ... on ${successType} { data ${selection} } }`;

/** The data of a result union, or a PageError carrying the AppError's message. */
export function unwrap<T>(r: Result<T>): T {
  if ("data" in r) return r.data;
  throw new PageError(r.message, r.code, r.problems);
}
