import cliProgress from "cli-progress";
import type { ProgressFn } from "./commands/command.ts";

/**
 * A progress bar on stderr, only when stderr is a terminal: piped or captured
 * output stays clean, and stdout is kept for the JSON result.
 */
export function progressBar(label: string): { onProgress?: ProgressFn; stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total}`,
      hideCursor: true,
      clearOnComplete: true,
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
