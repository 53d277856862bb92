// autocannon ships no types (and @types/autocannon is not installed): the part bench/run.ts uses.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    expectBody?: string;
  }
  interface Result {
    non2xx: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    requests: { average: number; total: number };
    latency: Record<string, number>;
  }
  type Instance = EventEmitter & PromiseLike<Result>;
  function autocannon(opts: Options): Instance;
  export default autocannon;
}
