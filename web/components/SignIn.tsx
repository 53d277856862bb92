import { useState } from "preact/hooks";
import { isSignInFailure, SIGN_IN_FAILURES } from "../../src/auth/sign-in-failures.ts";

/** The failure code the server's form sign-in redirected back with, removed from the address bar once read. */
function redirectFailure(): string | null {
  const params = new URLSearchParams(location.search);
  const code = params.get("sign_in");
  if (code === null) return null;
  history.replaceState(null, "", `/${location.hash}`);
  return isSignInFailure(code) ? SIGN_IN_FAILURES[code] : null;
}

/**
 * A plain HTML form posted to /session: the key goes from the password field to
 * the server without passing through page scripts, and the server answers with
 * the session cookie and a redirect back here.
 */
export function SignIn({ notice }: { notice: string | null }) {
  const [failure] = useState(redirectFailure);
  const message = failure ?? notice;
  return (
    <main class="sign-in">
      <h1>Workspace analytics</h1>
      <p>Sign in with an admin API key of your workspace. The key is sent once; the server keeps a session for 12 hours.</p>
      <form method="post" action="/session" class="card">
        <label for="api-key">Admin API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autocomplete="current-password"
          required
          spellcheck={false}
          aria-describedby={message ? "sign-in-error" : undefined}
          aria-invalid={failure ? true : undefined}
        />
        {message && (
          <p id="sign-in-error" class="error" role="alert">
            {message}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">
        Running the demo? <code>npm start</code> prints the demo workspace's admin key.
      </p>
    </main>
  );
}
