import type { DateTime } from "luxon";
import { USAGE_ROW_COLUMNS } from "../../src/ingest/store-usage.ts";
import { normalizeModelName } from "../../src/usage/shared/model-names.ts";
import type { Random } from "../../src/demo/random.ts";
import { Alias, Weighted } from "./alias.ts";

/**
 * The benchmark's synthetic workspace: a large company's directory (users,
 * agents, projects, platform API keys, BYOK deployments) and a year of usage
 * records, generated as a stream so ten million records never sit in memory.
 *
 * Realism that matters to the queries:
 * - heavy-tailed activity: a log-normal weight per user (and per API key), 10%
 *   of users never write, the top 1% write ~10% of the messages;
 * - working-hour and weekday seasonality in the workspace's time zone, a trickle
 *   at weekends, and growth over the year (more users join, each writes more);
 * - conversations of several messages, one model and one surface each; agents
 *   and projects only used once they exist; ~11% of messages carry an action;
 * - a handful of models under several raw names (normalized as ingestion does),
 *   a share of them through BYOK deployments; ~10% of records are API requests;
 * - plausible token counts (longer prompts in later turns, prompt caching) and
 *   costs from list prices.
 */

export interface ModelDef {
  raw: string;
  normalized: string;
  provider: string;
  /** USD per million input / output tokens. */
  input: number;
  output: number;
  /** Share of the input price for cache reads; null without prompt caching. */
  cacheRead: number | null;
  /** The BYOK deployment that serves a share of this model's requests. */
  deploymentId: string | null;
  byokShare: number;
  /** `model \t model_raw \t provider` for COPY. */
  copyText: string;
}

const MODEL_SPECS: [raw: string, provider: string, input: number, output: number, cacheRead: number | null, chat: number, api: number][] = [
  ["gpt-4o-2024-08-06", "openai", 2.5, 10, 0.5, 24, 15],
  ["gpt-4o-2024-11-20", "openai", 2.5, 10, 0.5, 10, 8],
  ["gpt-4o-mini", "openai", 0.15, 0.6, 0.5, 18, 45],
  ["o3-mini-2025-01-31", "openai", 1.1, 4.4, 0.5, 6, 4],
  ["claude-3-5-sonnet-20241022", "anthropic", 3, 15, 0.1, 22, 14],
  ["claude-3-5-haiku-20241022", "anthropic", 0.8, 4, 0.1, 8, 8],
  ["gemini-1.5-pro-002", "google", 1.25, 5, null, 8, 4],
  ["gemini-1.5-flash-002", "google", 0.075, 0.3, null, 4, 2],
];

export const DEPLOYMENTS = [
  { id: "dep_azure_gpt4o", name: "Azure OpenAI gpt-4o (eastus)", model: "gpt-4o-2024-08-06", provider: "openai", share: 0.3 },
  { id: "dep_azure_gpt4o_mini", name: "Azure OpenAI gpt-4o-mini (eastus)", model: "gpt-4o-mini", provider: "openai", share: 0.25 },
  {
    id: "dep_bedrock_sonnet",
    name: "AWS Bedrock Claude 3.5 Sonnet",
    model: "claude-3-5-sonnet-20241022",
    provider: "anthropic",
    share: 0.45,
  },
  { id: "dep_vertex_gemini_pro", name: "Vertex AI Gemini 1.5 Pro", model: "gemini-1.5-pro-002", provider: "google", share: 0.35 },
] as const;

export const MODELS: ModelDef[] = MODEL_SPECS.map(([raw, provider, input, output, cacheRead]) => {
  const normalized = normalizeModelName(raw);
  const deployment = DEPLOYMENTS.find((d) => d.model === raw);
  return {
    raw,
    normalized,
    provider,
    input,
    output,
    cacheRead,
    deploymentId: deployment?.id ?? null,
    byokShare: deployment?.share ?? 0,
    copyText: `${normalized}\t${raw}\t${provider}`,
  };
});
const CHAT_MODELS = new Alias(MODEL_SPECS.map((m) => m[5]));
const API_MODELS = new Alias(MODEL_SPECS.map((m) => m[6]));

const SOURCES = new Weighted<string>([
  ["WEB", 68],
  ["MOBILE", 17],
  ["SLACK", 10],
  ["TEAMS", 5],
]);
const SURFACES = new Weighted<"chat" | "agent" | "project">([
  ["chat", 60],
  ["agent", 27],
  ["project", 13],
]);
const ACTIONS = new Weighted<string>([
  ["web_search", 30],
  ["file_analysis", 20],
  ["canvas", 14],
  ["code_execution", 12],
  ["image_generation", 8],
  ["Hubspot_create_contact", 5],
  ["Slack_send_message", 5],
  ["Jira_create_issue", 4],
  ["Salesforce_update_opportunity", 2],
]);
/** Share of a working day's messages starting in each local hour. */
const WORK_HOURS = new Alias([0, 0, 0, 0, 0, 0, 0.5, 2, 6, 11, 13, 12, 7, 9, 12, 11, 9, 5, 3, 2, 1.5, 1, 0, 0]);
/** Weekend messages are fewer and spread over the day. */
const WEEKEND_HOURS = new Alias([0, 0, 0, 0, 0, 0, 0, 0.5, 1, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1.5, 1, 0.5, 0]);
/** Monday … Sunday. */
const WEEKDAY_FACTOR = [1.0, 1.06, 1.05, 1.0, 0.84, 0.1, 0.07];
const API_WEEKDAY_FACTOR = [1, 1, 1, 1, 1, 0.45, 0.4];

const FIRST = [
  "Aaliyah",
  "Aarav",
  "Adam",
  "Aiko",
  "Alejandro",
  "Amara",
  "Amelia",
  "Ana",
  "Andrei",
  "Anika",
  "Arjun",
  "Ava",
  "Benjamin",
  "Camila",
  "Carlos",
  "Charlotte",
  "Chen",
  "Chloe",
  "Daniel",
  "David",
  "Diego",
  "Elena",
  "Elijah",
  "Emma",
  "Ethan",
  "Fatima",
  "Felix",
  "Gabriel",
  "Grace",
  "Hana",
  "Hannah",
  "Hiroshi",
  "Ibrahim",
  "Isabella",
  "Ivan",
  "Jack",
  "James",
  "Jia",
  "Jonas",
  "Julia",
  "Kai",
  "Kenji",
  "Laila",
  "Layla",
  "Leo",
  "Liam",
  "Lucas",
  "Lucia",
  "Maria",
  "Mateo",
  "Maya",
  "Mei",
  "Mia",
  "Mohammed",
  "Noah",
  "Nora",
  "Olivia",
  "Omar",
  "Priya",
  "Rafael",
  "Ravi",
  "Rosa",
  "Sara",
  "Sofia",
  "Sophia",
  "Taro",
  "Thomas",
  "Valentina",
  "William",
  "Yara",
  "Yusuf",
  "Zara",
  "Zoe",
  "Björn",
  "Zoë",
  "José",
  "Søren",
  "Łukasz",
];
const LAST = [
  "Adams",
  "Ahmed",
  "Ali",
  "Anderson",
  "Baker",
  "Brown",
  "Chen",
  "Clark",
  "Cohen",
  "Davis",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Gonzalez",
  "Gupta",
  "Hall",
  "Harris",
  "Hernandez",
  "Hill",
  "Ito",
  "Jackson",
  "Johnson",
  "Jones",
  "Kim",
  "King",
  "Kowalski",
  "Lee",
  "Lewis",
  "Li",
  "Lopez",
  "Martin",
  "Martinez",
  "Miller",
  "Moore",
  "Müller",
  "Nakamura",
  "Nguyen",
  "O'Brien",
  "Patel",
  "Perez",
  "Petrov",
  "Rossi",
  "Sanchez",
  "Santos",
  "Schmidt",
  "Scott",
  "Sharma",
  "Silva",
  "Singh",
  "Smith",
  "Suzuki",
  "Taylor",
  "Thomas",
  "Thompson",
  "Walker",
  "Wang",
  "White",
  "Williams",
  "Wilson",
  "Wright",
  "Yamamoto",
  "Young",
  "Zhang",
];
const DEPARTMENTS = new Weighted<string>([
  ["Engineering", 26],
  ["Sales", 16],
  ["Customer Success", 10],
  ["Marketing", 9],
  ["Operations", 8],
  ["Product", 7],
  ["Finance", 6],
  ["Support", 6],
  ["People", 4],
  ["Legal", 3],
  ["Data Science", 3],
  ["IT", 2],
]);
const COMPANIES = new Weighted<string>([
  ["Globex Corporation", 70],
  ["Globex Europe GmbH", 15],
  ["Globex Asia Pte. Ltd.", 10],
  ["Initech (acquired)", 5],
]);
const AGENT_KINDS = [
  ["Sales Email Writer", "Drafts follow-up emails from call notes."],
  ["Code Reviewer", "Reviews pull-request diffs against the handbook."],
  ["Policy Helper", "Answers questions about leave, travel and expenses."],
  ["Contract Analyzer", "Flags unusual clauses in contracts."],
  ["Support Triage", "Classifies tickets and suggests a first reply."],
  ["Copywriter", "Writes ad and landing-page copy variants."],
  ["SQL Assistant", "Turns questions into SQL for the warehouse."],
  ["Meeting Summarizer", "Summarizes transcripts into decisions and actions."],
  ["Onboarding Buddy", "Guides new hires through their first weeks."],
  ["Research Assistant", "Finds and summarizes sources on a topic."],
] as const;
const PROJECT_KINDS = [
  "Launch",
  "Research",
  "Migration",
  "Brand Refresh",
  "Board Deck",
  "RFP Response",
  "Pricing Study",
  "QBR",
  "Hiring Plan",
  "Roadmap",
];
const API_KEY_NAMES = [
  "Data warehouse sync",
  "Support bot",
  "CI code review",
  "Slack digest",
  "Search indexer",
  "Ticket classifier",
  "Doc translator",
  "Sales enrichment",
];

const DAY_MS = 86_400_000;

export interface DatasetOptions {
  users: number;
  records: number;
  months: number;
  seed: number;
  timezone: string;
  /** Exclusive end: the start of "today" in the workspace's zone; the data ends yesterday. */
  end: DateTime;
}

export interface Window {
  startMs: number;
  endMs: number;
  start: DateTime;
  end: DateTime;
}

export function usageWindow(opts: Pick<DatasetOptions, "months" | "end" | "timezone">): Window {
  const end = opts.end.setZone(opts.timezone).startOf("day");
  const start = end.minus({ months: opts.months });
  return { start, end, startMs: start.toMillis(), endMs: end.toMillis() };
}

export interface BenchUser {
  id: string;
  name: string;
  email: string;
  role: string;
  department: string;
  companyName: string;
  licenseType: string;
  paygLimit: number | null;
  joinedMs: number;
  removedMs: number | null;
  /** A later attribute version (promotion or team move) at this time, or null. */
  changeMs: number | null;
  changedRole: string;
  changedDepartment: string;
  weight: number;
  /** Index into MODELS the user prefers. */
  primaryModel: number;
  agents: number[];
  projects: number[];
}

interface BenchEntity {
  id: string;
  name: string;
  ownerId: string | null;
  createdMs: number;
  renamedMs: number | null;
  description?: string;
  url?: string;
}

export interface Directory {
  users: BenchUser[];
  agents: BenchEntity[];
  projects: BenchEntity[];
  apiKeys: (BenchEntity & { weight: number })[];
}

/** A directory version as `directory_versions` stores it (attrs keyed as src/ingest/ingest.ts `directoryAttrs` writes them). */
export interface DirectoryVersionRow {
  kind: "user" | "agent" | "project" | "api_key" | "deployment";
  entityId: string;
  effectiveAt: string;
  attrs: Record<string, string | number | null>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function personName(rng: Random, i: number) {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const local = `${first}.${last}`
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/g, "o")
    .replace(/ł/gi, "l")
    .replace(/[^A-Za-z.]/g, "")
    .toLowerCase();
  return { name: `${first} ${last}`, email: `${local}.${i}@globex.example` };
}

/** User i of a large directory (also used, without usage, for the RSS workspaces). */
export function makeUser(rng: Random, i: number, win: Window): BenchUser {
  const span = win.endMs - win.startMs;
  const { name, email } = personName(rng, i);
  // 70% were members before the window; the rest join during it, a little more often later (growth).
  const joinedMs = rng.chance(0.7)
    ? win.startMs - Math.floor(rng.next() * 3 * 365) * DAY_MS - rng.int(0, 86_399) * 1000
    : win.startMs + Math.floor(Math.sqrt(rng.next()) * span);
  const removedMs = rng.chance(0.05)
    ? Math.max(joinedMs, win.startMs) + Math.floor(rng.next() * (win.endMs - Math.max(joinedMs, win.startMs)))
    : null;
  const changeMs = rng.chance(0.06)
    ? Math.max(joinedMs, win.startMs) + Math.floor(rng.next() * (win.endMs - Math.max(joinedMs, win.startMs)))
    : null;
  const department = DEPARTMENTS.draw(rng);
  const role = i === 0 ? "owner" : rng.chance(0.015) ? "admin" : "member";
  return {
    id: `u_${String(i + 1).padStart(7, "0")}`,
    name,
    email,
    role,
    department,
    companyName: COMPANIES.draw(rng),
    licenseType: rng.chance(0.22) ? "enterprise" : "pro",
    paygLimit: rng.chance(0.15) ? rng.pick([25, 50, 100, 200, 500]) : null,
    joinedMs,
    removedMs: removedMs !== null && changeMs !== null && changeMs > removedMs ? null : removedMs,
    changeMs,
    changedRole: role === "member" && rng.chance(0.3) ? "admin" : role,
    changedDepartment: rng.chance(0.7) ? DEPARTMENTS.draw(rng) : department,
    // Heavy tail: 10% never write; the rest log-normal (sigma 1.5).
    weight: rng.chance(0.1) ? 0 : Math.exp(1.5 * rng.normal()),
    primaryModel: CHAT_MODELS.draw(rng),
    agents: [],
    projects: [],
  };
}

export function userVersions(u: BenchUser): DirectoryVersionRow[] {
  const attrs = (role: string, department: string, removedMs: number | null) => ({
    name: u.name,
    email: u.email,
    role,
    department,
    companyName: u.companyName,
    licenseType: u.licenseType,
    paygLimit: u.paygLimit,
    joinedAt: iso(u.joinedMs),
    removedAt: iso(removedMs),
  });
  const rows: DirectoryVersionRow[] = [
    { kind: "user", entityId: u.id, effectiveAt: iso(u.joinedMs)!, attrs: attrs(u.role, u.department, null) },
  ];
  if (u.changeMs !== null && u.changeMs > u.joinedMs)
    rows.push({ kind: "user", entityId: u.id, effectiveAt: iso(u.changeMs)!, attrs: attrs(u.changedRole, u.changedDepartment, null) });
  if (u.removedMs !== null && u.removedMs > u.joinedMs) {
    const late = u.changeMs !== null && u.changeMs > u.joinedMs;
    rows.push({
      kind: "user",
      entityId: u.id,
      effectiveAt: iso(u.removedMs)!,
      attrs: attrs(late ? u.changedRole : u.role, late ? u.changedDepartment : u.department, u.removedMs),
    });
  }
  return rows;
}

/** Zipf-like popularity: a few agents and projects get most of the traffic. */
const zipf = (n: number, s: number) => Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);

export function buildDirectory(
  rng: Random,
  opts: { users: number; agents?: number; projects?: number; apiKeys?: number },
  win: Window,
): Directory {
  const span = win.endMs - win.startMs;
  const users = Array.from({ length: opts.users }, (_, i) => makeUser(rng, i, win));
  const ownerOf = () => users[Math.floor(rng.next() * Math.min(users.length, Math.max(1, users.length)))]!.id;
  const created = (before: number) =>
    rng.chance(before)
      ? win.startMs - rng.int(1, 400) * DAY_MS - rng.int(0, 86_399) * 1000
      : win.startMs + Math.floor(rng.next() * span * 0.95);
  const agents: BenchEntity[] = Array.from({ length: opts.agents ?? 300 }, (_, i) => {
    const [kind, description] = AGENT_KINDS[i % AGENT_KINDS.length]!;
    const createdMs = created(0.65);
    const id = `ag_${String(i + 1).padStart(4, "0")}`;
    return {
      id,
      name: i < AGENT_KINDS.length ? kind : `${kind} ${Math.floor(i / AGENT_KINDS.length) + 1}`,
      description,
      url: `https://chat.globex.example/agents/${id}`,
      ownerId: ownerOf(),
      createdMs,
      renamedMs: rng.chance(0.05) ? createdMs + Math.floor(rng.next() * (win.endMs - Math.max(createdMs, win.startMs))) : null,
    };
  });
  const projects: BenchEntity[] = Array.from({ length: opts.projects ?? 500 }, (_, i) => {
    const createdMs = created(0.6);
    return {
      id: `pr_${String(i + 1).padStart(4, "0")}`,
      name: `${rng.pick(PROJECT_KINDS)} ${2024 + (i % 3)}-${i + 1}`,
      ownerId: ownerOf(),
      createdMs,
      renamedMs: rng.chance(0.04) ? createdMs + Math.floor(rng.next() * (win.endMs - Math.max(createdMs, win.startMs))) : null,
    };
  });
  const apiKeys = Array.from({ length: opts.apiKeys ?? 50 }, (_, i) => ({
    id: `ak_${String(i + 1).padStart(3, "0")}`,
    name: `${API_KEY_NAMES[i % API_KEY_NAMES.length]} ${Math.floor(i / API_KEY_NAMES.length) + 1}`,
    ownerId: null,
    createdMs: created(0.8),
    renamedMs: null,
    weight: Math.exp(1.6 * rng.normal()),
  }));
  // Each person returns to a few agents and projects.
  const agentPick = new Alias(zipf(agents.length, 1.05));
  const projectPick = new Alias(zipf(projects.length, 0.9));
  for (const u of users) {
    const nAgents = rng.int(1, 4);
    for (let k = 0; k < nAgents; k++) u.agents.push(agentPick.draw(rng));
    const nProjects = rng.chance(0.35) ? 0 : rng.int(1, 3);
    for (let k = 0; k < nProjects; k++) u.projects.push(projectPick.draw(rng));
  }
  return { users, agents, projects, apiKeys };
}

/** Every directory version of the workspace, in an order ingestion could have sent them. */
export function* directoryVersions(dir: Directory, win: Window): Generator<DirectoryVersionRow> {
  for (const u of dir.users) yield* userVersions(u);
  for (const a of dir.agents) {
    const attrs = { name: a.name, description: a.description ?? null, url: a.url ?? null, ownerId: a.ownerId };
    yield { kind: "agent", entityId: a.id, effectiveAt: iso(a.createdMs)!, attrs };
    if (a.renamedMs !== null && a.renamedMs > a.createdMs)
      yield { kind: "agent", entityId: a.id, effectiveAt: iso(a.renamedMs)!, attrs: { ...attrs, name: `${a.name} v2` } };
  }
  for (const p of dir.projects) {
    yield { kind: "project", entityId: p.id, effectiveAt: iso(p.createdMs)!, attrs: { name: p.name, ownerId: p.ownerId } };
    if (p.renamedMs !== null && p.renamedMs > p.createdMs)
      yield {
        kind: "project",
        entityId: p.id,
        effectiveAt: iso(p.renamedMs)!,
        attrs: { name: `${p.name} (archived)`, ownerId: p.ownerId },
      };
  }
  for (const k of dir.apiKeys) yield { kind: "api_key", entityId: k.id, effectiveAt: iso(k.createdMs)!, attrs: { name: k.name } };
  for (const d of DEPLOYMENTS)
    yield {
      kind: "deployment",
      entityId: d.id,
      effectiveAt: iso(win.startMs - 30 * DAY_MS)!,
      attrs: { name: d.name, model: d.model, provider: d.provider },
    };
}

/** One usage record, reused between calls (the generator allocates nothing per record). */
export interface UsageRow {
  kind: "message" | "api_request";
  id: string;
  occurredMs: number;
  userId: string | null;
  apiKeyId: string | null;
  surface: "chat" | "agent" | "project" | null;
  agentId: string | null;
  projectId: string | null;
  conversationId: string | null;
  action: string | null;
  model: ModelDef;
  source: string;
  deploymentId: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  /** USD in millionths (exact integers; written with 6 decimals). */
  costMicros: number;
  paygMicros: number;
}

const microsText = (m: number) => {
  const whole = Math.floor(m / 1e6);
  const frac = m - whole * 1e6;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(6, "0")}`;
};

/** The usage_records columns `copyLine` writes, in order: the workspace, then a row's columns as ingestion writes them. */
export const USAGE_COPY_COLUMNS = ["workspace_id", ...USAGE_ROW_COLUMNS] as const;

const N = (v: string | null) => (v === null ? "\\N" : v);

/** A usage_records row as COPY text (generated values never hold tabs, newlines or backslashes). */
export function copyLine(ws: string, r: UsageRow): string {
  return (
    `${ws}\t${r.kind}\t${r.id}\t${new Date(r.occurredMs).toISOString()}\t${N(r.userId)}\t${N(r.apiKeyId)}\t${N(r.surface)}\t` +
    `${N(r.agentId)}\t${N(r.projectId)}\t${N(r.conversationId)}\t${N(r.action)}\t${r.model.copyText}\t${r.source}\t` +
    `${N(r.deploymentId)}\t${r.promptTokens}\t${r.completionTokens}\t${r.cachedPromptTokens}\t${r.cacheCreationTokens}\t` +
    `${microsText(r.costMicros)}\t${microsText(r.paygMicros)}\n`
  );
}

/** The same record as an ingestion record (SPEC §7), raw model name as the platform sends it. */
export function ingestRecord(r: UsageRow): Record<string, unknown> {
  const common = {
    id: r.id,
    occurredAt: new Date(r.occurredMs).toISOString(),
    model: r.model.raw,
    provider: r.model.provider,
    source: r.source,
    ...(r.deploymentId ? { deploymentId: r.deploymentId } : {}),
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    cachedPromptTokens: r.cachedPromptTokens,
    cacheCreationTokens: r.cacheCreationTokens,
    costUsd: microsText(r.costMicros),
    paygCostUsd: microsText(r.paygMicros),
  };
  if (r.kind === "api_request") return { type: "api_request", apiKeyId: r.apiKeyId, ...common };
  return {
    type: "message",
    userId: r.userId,
    surface: r.surface,
    ...(r.agentId ? { agentId: r.agentId } : {}),
    ...(r.projectId ? { projectId: r.projectId } : {}),
    ...(r.conversationId ? { conversationId: r.conversationId } : {}),
    ...(r.action ? { action: r.action } : {}),
    ...common,
  };
}

export interface UsageOptions {
  records: number;
  /** Share of records that are API requests. */
  apiShare?: number;
  /** Prefix of record ids (unique per dataset). */
  idPrefix?: string;
  /** Called once per generated day with the running count (for progress). */
  onDay?: (day: DateTime, produced: number) => void | Promise<void>;
}

/**
 * Generates `records` usage records over the window, day by day (roughly in time
 * order, so the occurred_at index is appended to), calling `emit` with one
 * reused row each. `emit` may return a promise (back-pressure): it is awaited
 * once per conversation at most.
 */
export async function generateUsage(
  rng: Random,
  dir: Directory,
  win: Window,
  opts: UsageOptions,
  emit: (row: UsageRow) => void | Promise<void>,
): Promise<number> {
  const apiShare = opts.apiShare ?? 0.1;
  const prefix = opts.idPrefix ?? "";
  const days: DateTime[] = [];
  for (let d = win.start; d < win.end; d = d.plus({ days: 1 })) days.push(d);
  // Per-day weights: weekday seasonality, growth over the year (0.7 → 1.3), a little noise.
  const msgW = days.map((d, i) => WEEKDAY_FACTOR[d.weekday - 1]! * (0.7 + (0.6 * i) / days.length) * (0.9 + 0.2 * rng.next()));
  const apiW = days.map((d, i) => API_WEEKDAY_FACTOR[d.weekday - 1]! * (0.7 + (0.6 * i) / days.length) * (0.9 + 0.2 * rng.next()));
  const totalApi = Math.round(opts.records * apiShare);
  const totalMsg = opts.records - totalApi;
  const split = (weights: number[], total: number) => {
    const sum = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    let given = 0;
    return weights.map((w) => {
      acc += (w / sum) * total;
      const n = Math.round(acc) - given;
      given += n;
      return n;
    });
  };
  const msgPerDay = split(msgW, totalMsg);
  const apiPerDay = split(apiW, totalApi);

  const users = dir.users;
  const userPick = new Alias(users.map((u) => Math.max(u.weight, 0)).map((w, i, a) => (a.every((x) => x === 0) && i === 0 ? 1 : w)));
  const keyPick = new Alias(dir.apiKeys.map((k) => k.weight));
  const agentPick = new Alias(zipf(dir.agents.length, 1.05));

  const row: UsageRow = {
    kind: "message",
    id: "",
    occurredMs: 0,
    userId: null,
    apiKeyId: null,
    surface: null,
    agentId: null,
    projectId: null,
    conversationId: null,
    action: null,
    model: MODELS[0]!,
    source: "WEB",
    deploymentId: null,
    promptTokens: 0,
    completionTokens: 0,
    cachedPromptTokens: 0,
    cacheCreationTokens: 0,
    costMicros: 0,
    paygMicros: 0,
  };
  let msgSeq = 0;
  let reqSeq = 0;
  let convSeq = 0;
  let produced = 0;

  const setTokens = (model: ModelDef, turn: number) => {
    const prompt = Math.round(rng.logNormal(900, 0.6) + turn * (300 + rng.next() * 600));
    const completion = Math.max(1, Math.round(rng.logNormal(320, 0.6)));
    let cached = 0;
    let creation = 0;
    if (model.cacheRead !== null && turn > 0) cached = Math.floor((prompt * rng.next() * 0.7) / 128) * 128;
    if (model.provider === "anthropic" && turn === 0 && rng.chance(0.4)) creation = Math.floor(prompt * 0.6);
    const fresh = prompt - cached - creation;
    const usd =
      (fresh * model.input + cached * model.input * (model.cacheRead ?? 1) + creation * model.input * 1.25 + completion * model.output) /
      1e6;
    row.promptTokens = prompt;
    row.completionTokens = completion;
    row.cachedPromptTokens = cached;
    row.cacheCreationTokens = creation;
    row.costMicros = Math.round(usd * 1e6);
  };

  for (let di = 0; di < days.length; di++) {
    const day = days[di]!;
    const dayStart = day.toMillis();
    const dayEnd = day.plus({ days: 1 }).toMillis();
    const weekend = day.weekday >= 6;
    const hourStart: number[] = [];
    for (let h = 0; h < 24; h++) hourStart.push(day.set({ hour: h }).toMillis());
    const hours = weekend ? WEEKEND_HOURS : WORK_HOURS;

    // Messages: conversations of 1 + Poisson(2.5) turns until the day's count is reached.
    let left = msgPerDay[di]!;
    while (left > 0) {
      let user = users[userPick.draw(rng)]!;
      for (let tries = 0; tries < 64 && (user.joinedMs > dayEnd || (user.removedMs !== null && user.removedMs <= dayStart)); tries++)
        user = users[userPick.draw(rng)]!;
      const length = Math.min(left, 1 + rng.poisson(2.5));
      left -= length;
      let surface = SURFACES.draw(rng);
      let agentId: string | null = null;
      let projectId: string | null = null;
      if (surface === "agent") {
        const a = dir.agents[user.agents.length > 0 && rng.chance(0.85) ? rng.pick(user.agents) : agentPick.draw(rng)]!;
        if (a.createdMs <= dayStart) agentId = a.id;
        else surface = "chat";
      } else if (surface === "project") {
        const p = user.projects.length > 0 ? dir.projects[rng.pick(user.projects)]! : null;
        if (p && p.createdMs <= dayStart) projectId = p.id;
        else surface = "chat";
      }
      const model = MODELS[rng.chance(0.6) ? user.primaryModel : CHAT_MODELS.draw(rng)]!;
      const deploymentId = model.deploymentId && rng.chance(model.byokShare) ? model.deploymentId : null;
      const source = SOURCES.draw(rng);
      const conversationId = rng.chance(0.97) ? `cv_${prefix}${(++convSeq).toString(36)}` : null;
      let at = hourStart[hours.draw(rng)]! + Math.floor(rng.next() * 3_600_000);
      const payg = user.paygLimit !== null && model.input >= 1;
      for (let turn = 0; turn < length; turn++) {
        row.kind = "message";
        row.id = `m_${prefix}${String(++msgSeq).padStart(9, "0")}`;
        row.occurredMs = Math.min(at, dayEnd - 1);
        row.userId = user.id;
        row.apiKeyId = null;
        row.surface = surface;
        row.agentId = agentId;
        row.projectId = projectId;
        row.conversationId = conversationId;
        row.action = rng.chance(0.11) ? ACTIONS.draw(rng) : null;
        row.model = model;
        row.source = source;
        row.deploymentId = deploymentId;
        setTokens(model, turn);
        row.paygMicros = payg && rng.chance(0.25) ? row.costMicros : 0;
        const pending = emit(row);
        if (pending) await pending;
        produced++;
        at += 40_000 + Math.floor(rng.next() * 380_000);
      }
    }

    // API requests: backends call around the clock, fewer at weekends.
    const nApi = apiPerDay[di]!;
    for (let i = 0; i < nApi; i++) {
      const key = dir.apiKeys[keyPick.draw(rng)]!;
      const model = MODELS[API_MODELS.draw(rng)]!;
      row.kind = "api_request";
      row.id = `r_${prefix}${String(++reqSeq).padStart(9, "0")}`;
      row.occurredMs = dayStart + Math.floor(rng.next() * (dayEnd - dayStart));
      row.userId = null;
      row.apiKeyId = key.id;
      row.surface = null;
      row.agentId = null;
      row.projectId = null;
      row.conversationId = null;
      row.action = null;
      row.model = model;
      row.source = "API";
      row.deploymentId = model.deploymentId && rng.chance(model.byokShare) ? model.deploymentId : null;
      setTokens(model, rng.chance(0.3) ? 1 : 0);
      row.paygMicros = 0;
      const pending = emit(row);
      if (pending) await pending;
      produced++;
    }
    await opts.onDay?.(day, produced);
  }
  return produced;
}
