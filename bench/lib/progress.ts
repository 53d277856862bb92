/** Progress lines on standard error: rewritten in place on a terminal, one line every few seconds otherwise. */
export class Progress {
  private readonly started = performance.now();
  private lastPrint = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = "rows",
  ) {}

  update(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastPrint < (this.tty ? 250 : 5_000)) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const pct = this.total > 0 ? (100 * done) / this.total : 100;
    const eta = rate > 0 && this.total > done ? (this.total - done) / rate : 0;
    const line =
      `${this.label}: ${fmtInt(done)}/${fmtInt(this.total)} ${this.unit} (${pct.toFixed(1)}%), ` +
      `${fmtInt(Math.round(rate))} ${this.unit}/s, elapsed ${fmtDuration(seconds)}, ETA ${fmtDuration(eta)}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  done(done: number): number {
    this.update(done, true);
    if (this.tty) process.stderr.write("\n");
    return (performance.now() - this.started) / 1000;
  }
}

/** The message of a caught error (anything can be thrown). */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m}m${String(s).padStart(2, "0")}s`;
}

/** Runs `fn`, printing `label … done in Xs` on standard error; returns its result and the seconds it took. */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  process.stderr.write(`${label} …\n`);
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`${label}: done in ${fmtDuration(seconds)}\n`);
  return { value, seconds };
}
