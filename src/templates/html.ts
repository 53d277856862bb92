import { html } from "hono/html";

export { html };

/** What `html` returns: markup whose interpolated values are already escaped. */
export type Html = ReturnType<typeof html>;

/**
 * The markup as a string. `html` (hono/html) escapes `& < > " '` in every
 * interpolated string, keeps nested `html` fragments as they are, flattens
 * arrays and drops null, undefined and booleans; it returns a promise only when a
 * value is one, which the templates never interpolate.
 */
export function markup(fragment: Html): string {
  if (fragment instanceof Promise) throw new TypeError("a template interpolated a promise");
  return fragment.toString();
}
