import type { Random } from "./random.ts";

/**
 * The demo company's people and things: users, agents, projects, platform API
 * keys and BYOK deployments, as ingestion records (SPEC §7), plus the traits
 * the usage generator needs (how active each person is, what they use).
 */

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  role: "owner" | "admin" | "member";
  department: string;
  companyName: string;
  licenseType: "enterprise" | "pro";
  paygLimit: number | null;
  joinedAt: Date;
  removedAt: Date | null;
  /** Typical messages on a working day. */
  dailyMessages: number;
  /** Agents this person returns to, most used first. */
  agentIds: string[];
  projectIds: string[];
}

export interface DemoDirectory {
  users: DemoUser[];
  agents: { id: string; name: string; description: string; url: string; ownerId: string }[];
  projects: { id: string; name: string; ownerId: string }[];
  apiKeys: { id: string; name: string; dailyRequests: number; weekendShare: number }[];
  deployments: { id: string; name: string; model: string; provider: string }[];
}

const FIRST_NAMES = [
  "Anna",
  "Ben",
  "Clara",
  "David",
  "Elif",
  "Felix",
  "Greta",
  "Hannah",
  "Ivan",
  "Jonas",
  "Katrin",
  "Lukas",
  "Maria",
  "Niklas",
  "Olga",
  "Paul",
  "Quentin",
  "Rosa",
  "Sven",
  "Tobias",
  "Ursula",
  "Valentin",
  "Wiebke",
  "Xenia",
  "Yusuf",
  "Zoe",
  "Amelie",
  "Björn",
  "Chiara",
  "Dennis",
  "Emma",
  "Florian",
  "Jürgen",
  "Leonie",
  "Mehmet",
  "Nora",
  "Priya",
  "Sophie",
  "Tim",
  "Aylin",
];
const LAST_NAMES = [
  "Müller",
  "Schmidt",
  "Schneider",
  "Fischer",
  "Weber",
  "Meyer",
  "Wagner",
  "Becker",
  "Schulz",
  "Hoffmann",
  "Koch",
  "Richter",
  "Klein",
  "Wolf",
  "Schröder",
  "Neumann",
  "Schwarz",
  "Braun",
  "Zimmermann",
  "Krüger",
  "Hartmann",
  "Lange",
  "Werner",
  "Krause",
  "Lehmann",
  "Köhler",
  "Yilmaz",
  "Kaya",
  "Novak",
  "Rossi",
  "García",
  "Dubois",
  "O'Brien",
  "Nguyen",
  "Sharma",
  "Jansen",
];
const DEPARTMENTS: [string, number][] = [
  ["Engineering", 18],
  ["Sales", 10],
  ["Marketing", 7],
  ["Customer Success", 7],
  ["Product", 5],
  ["Finance", 4],
  ["People", 3],
  ["Legal", 3],
  ["Operations", 3],
];
const COMPANIES: [string, number][] = [
  ["Acme Corp", 44],
  ["Acme Labs GmbH", 10],
  ["Acme Retail Ltd", 6],
];

const AGENTS = [
  ["Sales Email Writer", "Drafts follow-up emails from call notes in the Acme tone of voice."],
  ["Code Reviewer", "Reviews pull-request diffs against the engineering handbook."],
  ["People Policy Helper", "Answers questions about leave, travel and expense policies."],
  ["Contract Analyzer", "Flags unusual clauses in supplier and customer contracts."],
  ["Support Triage", "Classifies incoming tickets and suggests a first reply."],
  ["Campaign Copywriter", "Writes ad and landing-page copy variants for campaigns."],
  ["SQL Assistant", "Turns questions about the warehouse into SQL for the analytics schema."],
  ["Meeting Summarizer", "Summarises meeting transcripts into decisions and action items."],
] as const;
const PROJECTS = ["Q3 Product Launch", "Customer Research 2024", "Platform Migration", "Brand Refresh", "Board Deck"];

const DAY = 86_400_000;

/** ASCII email local part: "Jürgen Müller" → "juergen.mueller". */
function emailPart(name: string): string {
  const map: Record<string, string> = { ä: "ae", ö: "oe", ü: "ue", ß: "ss", é: "e", í: "i", "'": "" };
  return name
    .toLowerCase()
    .replace(/[äöüßéí']/g, (c) => map[c] ?? "")
    .replace(/[^a-z]/g, "");
}

/** Builds the directory for a usage window `[start, end]`. */
export function buildDirectory(rng: Random, start: Date, end: Date, userCount = 60): DemoDirectory {
  const windowMs = end.getTime() - start.getTime();
  const users: DemoUser[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < userCount; i++) {
    let first: string;
    let last: string;
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (taken.has(first + last));
    taken.add(first + last);
    const licenseType = rng.chance(0.7) ? "enterprise" : "pro";
    // About one in eight joins during the window; the rest over the two years before.
    const joinedAt = rng.chance(0.13)
      ? new Date(start.getTime() + rng.next() * windowMs * 0.8)
      : new Date(start.getTime() - rng.int(14, 730) * DAY);
    users.push({
      id: `user_${rng.hex(16)}`,
      name: `${first} ${last}`,
      email: `${emailPart(first)}.${emailPart(last)}@acme-corp.example`,
      role: i === 0 ? "owner" : i <= 4 ? "admin" : "member",
      department: i === 0 ? "Operations" : rng.weighted(DEPARTMENTS),
      companyName: rng.weighted(COMPANIES),
      licenseType,
      paygLimit: rng.chance(licenseType === "pro" ? 0.5 : 0.15) ? rng.pick([25, 50, 100, 200]) : null,
      joinedAt,
      removedAt: null,
      dailyMessages: Math.min(30, rng.logNormal(3.8, 0.8)),
      agentIds: [],
      projectIds: [],
    });
  }
  // Two people leave mid-window (never the owner, never someone who just joined).
  const leavers = users.filter((u, i) => i > 4 && u.joinedAt < start).slice(-2);
  for (const u of leavers) u.removedAt = new Date(start.getTime() + windowMs * (0.35 + rng.next() * 0.3));

  const agents = AGENTS.map(([name, description]) => {
    const id = `asst_${rng.hex(12)}`;
    return { id, name, description, url: `https://chat.acme-corp.example/agents/${id}`, ownerId: rng.pick(users).id };
  });
  const projects = PROJECTS.map((name) => ({ id: `proj_${rng.hex(12)}`, name, ownerId: rng.pick(users).id }));
  for (const u of users) {
    // Everyone has a few favourite agents; a minority works in projects.
    const favourites = rng.shuffle(agents).slice(0, rng.int(1, 4));
    u.agentIds = favourites.map((a) => a.id);
    u.projectIds = rng.chance(0.45) ? [rng.pick(projects).id, ...(rng.chance(0.3) ? [rng.pick(projects).id] : [])] : [];
  }
  const apiKeys = [
    { id: `apikey_${rng.hex(12)}`, name: "Support bot backend", dailyRequests: 32, weekendShare: 0.7 },
    { id: `apikey_${rng.hex(12)}`, name: "Data enrichment pipeline", dailyRequests: 18, weekendShare: 0.3 },
    { id: `apikey_${rng.hex(12)}`, name: "Staging sandbox", dailyRequests: 5, weekendShare: 0.05 },
  ];
  const deployments = [
    { id: `dep_${rng.hex(12)}`, name: "Azure OpenAI EU West", model: "gpt-4o-2024-08-06", provider: "openai" },
    { id: `dep_${rng.hex(12)}`, name: "AWS Bedrock Frankfurt", model: "claude-3-5-sonnet-20241022", provider: "anthropic" },
  ];
  return { users, agents, projects, apiKeys, deployments };
}

/**
 * The directory as ingestion records. First versions take effect at `since`
 * (no later than the first usage, so every entity exists in every period);
 * `history` holds the later versions: people who left, and a few who changed
 * department or role mid-window (attributes are reported as of a period's end).
 */
export function directoryRecords(dir: DemoDirectory, since: Date, rng: Random, windowEnd: Date): { initial: object[]; history: object[] } {
  const effectiveAt = since.toISOString();
  const userRecord = (u: DemoUser) => ({
    type: "user",
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    department: u.department,
    companyName: u.companyName,
    licenseType: u.licenseType,
    paygLimit: u.paygLimit,
    joinedAt: u.joinedAt.toISOString(),
  });
  const initial: object[] = [
    ...dir.users.map((u) => ({ ...userRecord(u), effectiveAt })),
    ...dir.agents.map(({ id, name, description, url, ownerId }) => ({ type: "agent", id, name, description, url, ownerId, effectiveAt })),
    ...dir.projects.map(({ id, name, ownerId }) => ({ type: "project", id, name, ownerId, effectiveAt })),
    ...dir.apiKeys.map(({ id, name }) => ({ type: "api_key", id, name, effectiveAt })),
    ...dir.deployments.map((d) => ({ type: "deployment", ...d, effectiveAt })),
  ];
  const history: object[] = dir.users
    .filter((u) => u.removedAt)
    .map((u) => ({ ...userRecord(u), removedAt: u.removedAt!.toISOString(), effectiveAt: u.removedAt!.toISOString() }));
  const span = windowEnd.getTime() - since.getTime();
  const movers = dir.users.filter((u) => !u.removedAt && u.role === "member" && u.joinedAt < since).slice(0, 3);
  for (const [i, u] of movers.entries()) {
    const changed = i === 2 ? { role: "admin" } : { department: u.department === "Product" ? "Engineering" : "Product" };
    const at = new Date(since.getTime() + span * (0.4 + 0.2 * rng.next())).toISOString();
    history.push({ ...userRecord(u), ...changed, effectiveAt: at });
  }
  return { initial, history };
}
