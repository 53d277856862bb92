import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "ue-compiled-"));
/** Stops the server (registered at the top level: vitest never runs an afterAll registered inside a test). */
let stop: () => Promise<void> = async () => undefined;
afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

// `npm start` runs build/server/main.mjs (built by test/global-setup.ts as by prestart):
// from there the migrations, the model-name rules and the page must still be found.
test("the compiled server starts on embedded PGlite, creates the demo workspace and serves the page", async () => {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ["--enable-source-maps", "build/server/main.mjs"], {
    cwd: ROOT,
    env: { ...env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  let output = "";
  const base = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+:\d+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  expect(output).toMatch(/Demo workspace/i);

  expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  const script = readdirSync(join(ROOT, "build/web/assets")).find((f) => f.endsWith(".js"))!;
  expect(await page.text()).toContain(`<script type="module" src="/assets/${script}"></script>`);
  expect((await fetch(`${base}/assets/${script}`)).status).toBe(200);
});
