import cliProgress from "cli-progress";
import type { ProgressFn } from "./commands/command.ts";

/**
 * A progress bar on stderr, only when stderr is a terminal: piped or captured
 * output stays clean, and stdout is kept for the JSON result.
 */
export function progressBar(label: string, opts: { bytes?: boolean } = {}): { onProgress?: ProgressFn; stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total}`,
      hideCursor: true,
      clearOnComplete: true,
      // Bytes read of a file: "12.3/80.0 MB" reads better than raw byte counts.
      ...(opts.bytes ? { formatValue: formatBytes } : {}),
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function formatBytes(value: number, options: cliProgress.Options, type: cliProgress.ValueType): string {
  if (type !== "value" && type !== "total") return cliProgress.Format.ValueFormat(value, options, type);
  return type === "total" ? `${(value / 1e6).toFixed(1)} MB` : (value / 1e6).toFixed(1);
}
