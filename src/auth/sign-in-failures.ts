/**
 * Why a sign-in was refused, keyed by the code the form sign-in puts in its
 * redirect (`/?sign_in=<code>`). Shared by the server and the page (which
 * bundles this file), so the page never shows text taken from its URL.
 */
export const SIGN_IN_FAILURES = {
  missing: "Enter an admin API key to sign in",
  invalid: "Invalid API key",
  revoked: "This API key has been revoked",
  not_admin: "Only admin API keys may sign in to the analytics page; export and ingest keys may not",
  cross_site: "Sign-in is only accepted from this service's own page",
} as const;

export type SignInFailure = keyof typeof SIGN_IN_FAILURES;

export function isSignInFailure(code: string | null): code is SignInFailure {
  return code !== null && Object.hasOwn(SIGN_IN_FAILURES, code);
}
