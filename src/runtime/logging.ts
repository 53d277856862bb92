import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs on stderr, so a CLI's standard output stays its result. */
export function createLogger(level: string): Logger {
  return pino({ level }, pino.destination(2));
}
