import type { DataType, GroupBy } from "../api/analytics.ts";
import { gql, result, unwrap, type Result } from "../api/graphql.ts";

/** One delivery attempt, in order (the first is attempt 1). */
export interface Attempt {
  outcome: string | null;
  error: string | null;
}
export interface Run {
  id: string;
  kind: string;
  periodStart: string;
  periodEnd: string;
  dueAt: string;
  status: string;
  attempts: number;
  deliveredAt: string | null;
  lastError: string | null;
  attemptLog: Attempt[];
}
/** The schedule and channel, as stored and as the form sends them. */
interface SubscriptionFields {
  name: string;
  cadence: "weekly" | "monthly";
  weekday: number | null;
  dayOfMonth: number | null;
  time: string;
  timezone: string;
  channel: "email" | "slack";
  slackChannelId: string | null;
}

export interface Subscription extends SubscriptionFields {
  id: string;
  /** Lower-case names as stored ("users", "model"). */
  types: { dataType: string; groupBy: string | null }[];
  recipients: string[];
  active: boolean;
  nextRuns: string[];
  runs: Run[];
}

/** What the form sends (GraphQL enum names for types). */
export interface SubscriptionInput extends SubscriptionFields {
  types: { dataType: DataType; groupBy: GroupBy | null }[];
  recipients: string[] | null;
}

const RUN = "id kind periodStart periodEnd dueAt status attempts deliveredAt lastError";
const ATTEMPTS = "attemptLog { outcome error }";
const FIELDS = "id name cadence weekday dayOfMonth time timezone types { dataType groupBy } channel recipients slackChannelId active nextRuns(count: 3)";
/** One subscription with its history (mutations answer one, so the attempt logs fit the query cost limit). */
const SUB = `{ ${FIELDS} runs(first: 10) { ${RUN} ${ATTEMPTS} } }`;

/**
 * The list and its attempt logs are two requests: the server prices each list
 * level at 10× (subscriptions × runs × attempts), and one query with both would
 * pass its complexity limit.
 */
export async function listSubscriptions(): Promise<Subscription[]> {
  const list = (selection: string) => `{ reportSubscriptions ${result("QueryReportSubscriptionsSuccess", selection)} }`;
  type Listed = Omit<Subscription, "runs"> & { runs: Omit<Run, "attemptLog">[] };
  type Logs = { id: string; runs: { id: string; attemptLog: Attempt[] }[] }[];
  const [subs, logs] = await Promise.all([
    gql<{ reportSubscriptions: Result<Listed[]> }>(list(`{ ${FIELDS} runs(first: 10) { ${RUN} } }`)),
    gql<{ reportSubscriptions: Result<Logs> }>(list(`{ id runs(first: 10) { id ${ATTEMPTS} } }`)),
  ]);
  const attempts = new Map(unwrap(logs.reportSubscriptions).flatMap((s) => s.runs.map((r) => [r.id, r.attemptLog] as const)));
  return unwrap<Listed[]>(subs.reportSubscriptions).map((s) => ({ ...s, runs: s.runs.map((r) => ({ ...r, attemptLog: attempts.get(r.id) ?? [] })) }));
}

const capitalized = (name: string) => name[0]!.toUpperCase() + name.slice(1);

/** One subscription mutation (they all answer the subscription or an AppError). */
async function mutate(name: string, params: string, args: string, variables: Record<string, unknown>): Promise<Subscription> {
  const d = await gql<Record<string, Result<Subscription>>>(
    `mutation(${params}) { ${name}(${args}) ${result(`Mutation${capitalized(name)}Success`, SUB)} }`,
    variables,
  );
  return unwrap(d[name]!);
}

export const createSubscription = (input: SubscriptionInput) =>
  mutate("createReportSubscription", "$input: CreateReportSubscriptionInput!", "input: $input", { input });
export const updateSubscription = (id: string, input: SubscriptionInput) =>
  mutate("updateReportSubscription", "$id: ID!, $input: UpdateReportSubscriptionInput!", "id: $id, input: $input", { id, input });
export const setSubscriptionActive = (id: string, active: boolean) =>
  mutate(active ? "resumeReportSubscription" : "pauseReportSubscription", "$id: ID!", "id: $id", { id });
export const deleteSubscription = (id: string) => mutate("deleteReportSubscription", "$id: ID!", "id: $id", { id });

/** Delivers the latest full period now; answers the run with its outcome. */
export async function sendTest(id: string): Promise<Run> {
  const d = await gql<{ sendReportSubscriptionTest: Result<Run> }>(
    `mutation($id: ID!) { sendReportSubscriptionTest(id: $id) ${result("MutationSendReportSubscriptionTestSuccess", `{ ${RUN} ${ATTEMPTS} }`)} }`,
    { id },
  );
  return unwrap(d.sendReportSubscriptionTest);
}
