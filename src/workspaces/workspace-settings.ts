import { z } from "zod";
import { type FieldLabel, parseInput } from "../errors/input.ts";
import { timeZone } from "../periods/time-zone.ts";

/** The longest workspace name, after trimming. */
const MAX_NAME_LENGTH = 200;

/**
 * The one rule for a workspace's settings, at creation and at every change: a
 * trimmed name of 1 to 200 characters, a known IANA time zone (presets and
 * reports read it back), a first weekday from 0 (Sunday) to 6 (Saturday).
 */
export const workspaceFields = {
  name: z
    .string({ error: "must not be empty" })
    .trim()
    .min(1, { error: "must not be empty" })
    .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` }),
  timezone: timeZone,
  firstWeekday: z
    .number({ error: (issue) => firstWeekdayProblem(issue.input) })
    .refine(isWeekday, { error: (issue) => firstWeekdayProblem(issue.input) }),
  byok: z.boolean({ error: "must be true or false" }),
  userLevelData: z.boolean({ error: "must be true or false" }),
};

function isWeekday(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 6;
}

const firstWeekdayProblem = (value: unknown) => `must be an integer from 0 (Sunday) to 6 (Saturday), not ${String(value)}`;

/** A new workspace: a name, and any other setting (absent ones take their defaults). */
export const newWorkspaceSettings = z.object({
  name: workspaceFields.name,
  timezone: workspaceFields.timezone.optional(),
  firstWeekday: workspaceFields.firstWeekday.optional(),
  byok: workspaceFields.byok.optional(),
  userLevelData: workspaceFields.userLevelData.optional(),
});

/**
 * A change of settings: null or absent leaves a setting as it is. GraphQL's
 * `Int` already refuses fractions, so its first weekday names only the range.
 */
const settingsChange = z
  .object({
    name: workspaceFields.name.nullish(),
    timezone: workspaceFields.timezone.nullish(),
    firstWeekday: z.number().refine(isWeekday, { error: "must be 0 (Sunday) to 6 (Saturday)" }).nullish(),
    byok: workspaceFields.byok.nullish(),
    userLevelData: workspaceFields.userLevelData.nullish(),
  })
  .transform((change) => ({
    name: change.name ?? undefined,
    timezone: change.timezone ?? undefined,
    firstWeekday: change.firstWeekday ?? undefined,
    byok: change.byok ?? undefined,
    userLevelData: change.userLevelData ?? undefined,
  }));

/** GraphQL mutations name a field as `field:`. */
const graphqlLabel: FieldLabel = (path) => (path.length > 0 ? `${path.map(String).join(".")}:` : "");

/**
 * `updateWorkspaceSettings`' input checked by the same rule as a new workspace's:
 * the values to store (undefined: unchanged), or a 400 listing every problem.
 */
export const parseSettingsChange = (input: unknown) => parseInput(settingsChange, input, graphqlLabel);
