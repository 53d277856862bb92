import { DateTime } from "luxon";
import type { DemoDirectory, DemoUser } from "./demo-directory.ts";
import type { Random } from "./random.ts";

/**
 * Usage records for the demo: people chatting on working days (a trickle at
 * weekends), in conversations of a few messages with one model each, and three
 * backends calling the platform API around the clock.
 */

interface Model {
  raw: string;
  provider: string;
  /** USD per million input / output tokens. */
  input: number;
  output: number;
  /** Share of the input price paid for cache reads, or null without prompt caching. */
  cacheRead: number | null;
}

const MODELS = {
  gpt4o: { raw: "gpt-4o-2024-08-06", provider: "openai", input: 2.5, output: 10, cacheRead: 0.5 },
  gpt4oMini: { raw: "gpt-4o-mini", provider: "openai", input: 0.15, output: 0.6, cacheRead: 0.5 },
  claude: { raw: "claude-3-5-sonnet-20241022", provider: "anthropic", input: 3, output: 15, cacheRead: 0.1 },
  gemini: { raw: "gemini-1.5-pro-002", provider: "google", input: 1.25, output: 5, cacheRead: null },
} satisfies Record<string, Model>;

const CHAT_MODELS: [Model, number][] = [
  [MODELS.gpt4o, 45],
  [MODELS.gpt4oMini, 22],
  [MODELS.claude, 23],
  [MODELS.gemini, 10],
];
const API_MODELS: [Model, number][] = [
  [MODELS.gpt4oMini, 55],
  [MODELS.gpt4o, 25],
  [MODELS.claude, 15],
  [MODELS.gemini, 5],
];
const SOURCES: [string, number][] = [
  ["WEB", 70],
  ["MOBILE", 18],
  ["SLACK", 12],
];
const SURFACES: ["chat" | "agent" | "project", number][] = [
  ["chat", 60],
  ["agent", 28],
  ["project", 12],
];
const ACTIONS: [string, number][] = [
  ["web_search", 35],
  ["file_analysis", 22],
  ["canvas", 15],
  ["code_execution", 14],
  ["Hubspot_create_contact", 7],
  ["Slack_send_message", 7],
];
/** Weekday activity by hour (Berlin): a morning peak, a lunch dip, an afternoon peak. */
const HOURS: [number, number][] = [
  [7, 2],
  [8, 6],
  [9, 11],
  [10, 13],
  [11, 12],
  [12, 7],
  [13, 9],
  [14, 12],
  [15, 11],
  [16, 9],
  [17, 5],
  [18, 3],
  [19, 2],
  [21, 1],
];

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

interface Tokens {
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
}

/** Tokens and cost of one request; later turns of a conversation carry more (and cached) context. */
function tokens(rng: Random, model: Model, turn: number): Tokens {
  const promptTokens = Math.round(rng.logNormal(900, 0.6) + turn * rng.int(300, 900));
  const completionTokens = Math.round(rng.logNormal(320, 0.6));
  let cachedPromptTokens = 0;
  let cacheCreationTokens = 0;
  if (model.cacheRead !== null && turn > 0) cachedPromptTokens = Math.floor((promptTokens * rng.next() * 0.7) / 128) * 128;
  if (model.provider === "anthropic" && turn === 0 && rng.chance(0.4)) cacheCreationTokens = Math.floor(promptTokens * 0.6);
  const fresh = promptTokens - cachedPromptTokens - cacheCreationTokens;
  const cost =
    (fresh * model.input +
      cachedPromptTokens * model.input * (model.cacheRead ?? 1) +
      cacheCreationTokens * model.input * 1.25 +
      completionTokens * model.output) /
    1e6;
  return { promptTokens, completionTokens, cachedPromptTokens, cacheCreationTokens, costUsd: round6(cost) };
}

/** The BYOK deployment serving a request of this model, if the workspace routes it through one. */
function deploymentFor(rng: Random, dir: DemoDirectory, model: Model): string | undefined {
  const deployment = dir.deployments.find((d) => d.model === model.raw);
  const share = model.provider === "anthropic" ? 0.5 : 0.35;
  return deployment && rng.chance(share) ? deployment.id : undefined;
}

function actionFor(rng: Random, user: DemoUser, source: string): string | undefined {
  if (!rng.chance(0.13)) return undefined;
  if (source === "SLACK" && rng.chance(0.4)) return "Slack_send_message";
  if (user.department === "Sales" && rng.chance(0.3)) return "Hubspot_create_contact";
  if (user.department === "Engineering" && rng.chance(0.3)) return "code_execution";
  return rng.weighted(ACTIONS);
}

/** One user's conversations on one day. */
/** One usage record as the ingest API takes it; `occurredAt` is null only for an invalid instant. */
interface DemoRecord {
  occurredAt: string | null;
  [field: string]: unknown;
}

function userDay(rng: Random, dir: DemoDirectory, user: DemoUser, day: DateTime, count: number, out: DemoRecord[]) {
  let left = count;
  while (left > 0) {
    const length = Math.min(left, 1 + rng.poisson(2));
    left -= length;
    let surface = rng.weighted(SURFACES);
    if (surface === "project" && user.projectIds.length === 0) surface = "chat";
    const agentId = surface === "agent" ? rng.weighted(user.agentIds.map((id, i): [string, number] => [id, 4 - i])) : undefined;
    const projectId = surface === "project" ? rng.pick(user.projectIds) : undefined;
    const model = rng.weighted(CHAT_MODELS);
    const source = rng.weighted(SOURCES);
    const conversationId = `conv_${rng.hex(16)}`;
    let at = day.set({ hour: rng.weighted(HOURS), minute: rng.int(0, 59), second: rng.int(0, 59) });
    for (let turn = 0; turn < length; turn++) {
      const t = tokens(rng, model, turn);
      const paygCostUsd = user.paygLimit !== null && model.input >= 1 && rng.chance(0.25) ? t.costUsd : 0;
      out.push({
        type: "message",
        id: `msg_${rng.hex(20)}`,
        occurredAt: at.toUTC().toISO(),
        userId: user.id,
        surface,
        ...(agentId ? { agentId } : {}),
        ...(projectId ? { projectId } : {}),
        conversationId,
        ...optional("action", actionFor(rng, user, source)),
        model: model.raw,
        provider: model.provider,
        source,
        ...optional("deploymentId", deploymentFor(rng, dir, model)),
        ...t,
        paygCostUsd,
      });
      at = at.plus({ seconds: rng.int(40, 420) });
    }
  }
}

const optional = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });

/**
 * Every usage record of the window: `days` whole days in `timezone` ending with
 * the day of `now`, skipping anything later than `now`. Roughly chronological.
 */
export function usageRecords(rng: Random, dir: DemoDirectory, opts: { now: Date; days: number; timezone: string }): object[] {
  const out: DemoRecord[] = [];
  const today = DateTime.fromJSDate(opts.now, { zone: opts.timezone }).startOf("day");
  for (let offset = opts.days - 1; offset >= 0; offset--) {
    const day = today.minus({ days: offset });
    const weekend = day.weekday >= 6;
    // Adoption grows over the window: the first weeks are a little quieter.
    const growth = 0.85 + 0.3 * (1 - offset / opts.days);
    const dayStart = day.toJSDate();
    const dayEnd = day.endOf("day").toJSDate();
    for (const user of dir.users) {
      // Whole days only: nobody writes before joining or after leaving.
      if (user.joinedAt > dayStart || (user.removedAt && user.removedAt <= dayEnd)) continue;
      const count = rng.poisson(user.dailyMessages * growth * (weekend ? 0.1 : 1));
      if (count > 0) userDay(rng, dir, user, day, count, out);
    }
    for (const key of dir.apiKeys) {
      const count = rng.poisson(key.dailyRequests * growth * (weekend ? key.weekendShare : 1));
      for (let i = 0; i < count; i++) {
        const model = rng.weighted(API_MODELS);
        const at = day.plus({ seconds: rng.int(0, 86_399) });
        out.push({
          type: "api_request",
          id: `req_${rng.hex(20)}`,
          occurredAt: at.toUTC().toISO(),
          apiKeyId: key.id,
          model: model.raw,
          provider: model.provider,
          source: "API",
          ...optional("deploymentId", deploymentFor(rng, dir, model)),
          ...tokens(rng, model, rng.chance(0.3) ? 1 : 0),
        });
      }
    }
  }
  const limit = opts.now.getTime();
  return out.filter((r) => r.occurredAt !== null && Date.parse(r.occurredAt) <= limit);
}
