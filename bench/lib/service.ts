import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Memory figures of a process from /proc/<pid>/status, in MiB. */
async function memoryOf(pid: number): Promise<{ rssMb: number; hwmMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

/**
 * A node process running a TypeScript entry point (`node --import tsx <entry>`):
 * node itself is the child, so its pid is the process whose memory we read
 * (npx or the tsx CLI would put node one or two processes further down).
 */
export class NodeService {
  private child: ChildProcess | null = null;
  private log: string[] = [];
  readonly baseUrl: string;

  private constructor(
    readonly name: string,
    readonly port: number,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  static async start(
    name: string,
    entry: string,
    env: Record<string, string>,
    opts: { readyPath?: string; timeoutMs?: number } = {},
  ): Promise<NodeService> {
    const port = await freePort();
    const service = new NodeService(name, port);
    // TypeScript sources run under tsx; a compiled build runs as `npm start` runs it.
    const args = entry.endsWith(".ts") ? ["--import", "tsx", entry] : ["--enable-source-maps", entry];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    service.child = child;
    const keep = (chunk: Buffer) => {
      service.log.push(chunk.toString());
      if (service.log.length > 200) service.log.splice(0, service.log.length - 200);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code, signal) =>
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${service.output()}`)),
      ),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      if (Date.now() > deadline) {
        await service.stop();
        throw new Error(`${name} did not become ready:\n${service.output()}`);
      }
      const ok = await Promise.race([
        fetch(`${service.baseUrl}${opts.readyPath ?? "/health"}`, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.status < 500)
          .catch(() => false),
        exited,
      ]);
      if (ok) return service;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  get pid(): number {
    return this.child!.pid!;
  }

  output(): string {
    return this.log.join("").split("\n").slice(-40).join("\n");
  }

  memory() {
    return memoryOf(this.pid);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
