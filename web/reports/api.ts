import { FAILURE, gql, graphql, unwrap, type ResultOf, type VariablesOf } from "../api/graphql.ts";

/** A run of a subscription with its delivery attempts, in order (the first is attempt 1). */
const RUN = graphql(`
  fragment Run on ReportRun {
    id kind periodStart periodEnd dueAt status attempts deliveredAt lastError
    attemptLog { outcome error }
  }
`);

/** A subscription as the screen shows it: schedule, channel, next runs and its last 10 runs. */
const SUBSCRIPTION = graphql(
  `
  fragment Subscription on ReportSubscription {
    id name cadence weekday dayOfMonth time timezone types { dataType groupBy } channel recipients slackChannelId active
    nextRuns(count: 3)
    runs(first: 10) { ...Run }
  }
`,
  [RUN],
);

export type Run = ResultOf<typeof RUN>;
export type Subscription = ResultOf<typeof SUBSCRIPTION>;

/**
 * The list with every run's attempts, in one request: runs and attempts are
 * costed at their real bounds (10 runs, 5 attempts), well within the limit.
 */
const LIST = graphql(
  `
  query ReportSubscriptions {
    reportSubscriptions {
      __typename ...Failure
      ... on QueryReportSubscriptionsSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

export async function listSubscriptions(): Promise<Subscription[]> {
  return unwrap((await gql(LIST, {})).reportSubscriptions);
}

const CREATE = graphql(
  `
  mutation CreateReportSubscription($input: CreateReportSubscriptionInput!) {
    createReportSubscription(input: $input) {
      __typename ...Failure
      ... on MutationCreateReportSubscriptionSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

/** What the form sends (GraphQL enum names for types). */
export type SubscriptionInput = VariablesOf<typeof CREATE>["input"];

export const createSubscription = async (input: SubscriptionInput) => unwrap((await gql(CREATE, { input })).createReportSubscription);

const UPDATE = graphql(
  `
  mutation UpdateReportSubscription($id: ID!, $input: UpdateReportSubscriptionInput!) {
    updateReportSubscription(id: $id, input: $input) {
      __typename ...Failure
      ... on MutationUpdateReportSubscriptionSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

export const updateSubscription = async (id: string, input: SubscriptionInput) =>
  unwrap((await gql(UPDATE, { id, input })).updateReportSubscription);

const PAUSE = graphql(
  `
  mutation PauseReportSubscription($id: ID!) {
    pauseReportSubscription(id: $id) {
      __typename ...Failure
      ... on MutationPauseReportSubscriptionSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

const RESUME = graphql(
  `
  mutation ResumeReportSubscription($id: ID!) {
    resumeReportSubscription(id: $id) {
      __typename ...Failure
      ... on MutationResumeReportSubscriptionSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

export const setSubscriptionActive = async (id: string, active: boolean) =>
  active ? unwrap((await gql(RESUME, { id })).resumeReportSubscription) : unwrap((await gql(PAUSE, { id })).pauseReportSubscription);

const DELETE = graphql(
  `
  mutation DeleteReportSubscription($id: ID!) {
    deleteReportSubscription(id: $id) {
      __typename ...Failure
      ... on MutationDeleteReportSubscriptionSuccess { data { ...Subscription } }
    }
  }
`,
  [FAILURE, SUBSCRIPTION],
);

export const deleteSubscription = async (id: string) => unwrap((await gql(DELETE, { id })).deleteReportSubscription);

const SEND_TEST = graphql(
  `
  mutation SendReportSubscriptionTest($id: ID!) {
    sendReportSubscriptionTest(id: $id) {
      __typename ...Failure
      ... on MutationSendReportSubscriptionTestSuccess { data { ...Run } }
    }
  }
`,
  [FAILURE, RUN],
);

/** Delivers the latest full period now; answers the run with its outcome. */
export const sendTest = async (id: string) => unwrap((await gql(SEND_TEST, { id })).sendReportSubscriptionTest);
