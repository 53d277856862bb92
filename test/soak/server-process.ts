import { spawn, type ChildProcess } from "node:child_process";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface ServerProcess {
  base: string;
  /** The demo workspace and its admin key, read from the start banner (null with DEMO=false). */
  workspaceId: string | null;
  apiKey: string | null;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string | null>;
  /** Everything it has printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string | null>;
  /** SIGKILL: no exit handlers run, as in a crash or an OOM kill. */
  kill(): Promise<number | string | null>;
}

/**
 * Runs the compiled server (`npm start`'s build/server/main.mjs, built by
 * test/global-setup.ts) as its own process on a loopback port. Without
 * DATABASE_URL in `env` it runs on embedded PGlite in `dataDir`.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const { DATABASE_URL: _inherited, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--enable-source-maps", "build/server/main.mjs"], {
    cwd: ROOT,
    env: { ...inherited, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+:\d+)[\s\S]*?(?:Demo workspace (\S+) — admin API key: (\S+)|$)/.exec(output);
      if (m && (env.DEMO === "false" || m[3])) resolve(m);
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    base: started[1]!,
    workspaceId: started[2] ?? null,
    apiKey: started[3] ?? null,
    child,
    exited,
    output: () => output,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
}

/** A download link of `server`: links name PUBLIC_BASE_URL, which knows nothing of the port the system picked. */
export function localLink(server: ServerProcess, downloadUrl: string): string {
  const link = new URL(downloadUrl);
  return `${server.base}${link.pathname}${link.search}`;
}
