import { PRESETS, presetRange } from "../periods/presets.ts";
import { canonicalDataType, groupByOptions } from "../usage/shared/data-types.ts";
import { updateWorkspaceSettings } from "../workspaces/update-settings.ts";
import { parseSettingsChange } from "../workspaces/workspace-settings.ts";
import { builder } from "./builder.ts";
import { DataTypeEnum, GroupByEnum } from "./exports.ts";
import { PeriodPresetEnum } from "./period.ts";
import { FOLLOWS_DATA_VERSION } from "./response-cache-hint.ts";

const PresetRangeRef = builder
  .objectRef<{ preset: (typeof PRESETS)[number]; startDate: string; endDate: string }>("PresetRange")
  .implement({
    description: "A preset's concrete dates in the workspace's time zone, as the Export dialog shows them.",
    fields: (t) => ({
      preset: t.expose("preset", { type: PeriodPresetEnum }),
      startDate: t.field({ type: "Date", resolve: (p) => p.startDate }),
      endDate: t.field({ type: "Date", resolve: (p) => p.endDate }),
    }),
  });

builder.prismaObject("Workspace", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    timezone: t.exposeString("timezone"),
    firstWeekday: t.exposeInt("firstWeekday", { description: "0 = Sunday … 6 = Saturday" }),
    byok: t.exposeBoolean("byok"),
    userLevelData: t.exposeBoolean("userLevelData"),
    presets: t.field({
      type: [PresetRangeRef],
      resolve: (w, _args, ctx) =>
        PRESETS.map((preset) => {
          const r = presetRange(preset, { timezone: w.timezone, firstWeekday: w.firstWeekday, now: ctx.app.now() });
          return { preset, startDate: r.from.date, endDate: r.to.date };
        }),
    }),
    groupByOptions: t.field({
      type: [GroupByEnum],
      description: "The subgroups this workspace may request for a data type.",
      args: { dataType: t.arg({ type: DataTypeEnum, required: true }) },
      resolve: (w, { dataType }) => groupByOptions(canonicalDataType(dataType), w),
    }),
  }),
});

builder.queryField("workspace", (t) =>
  t.prismaField({
    type: "Workspace",
    description: "The workspace of the calling key.",
    extensions: FOLLOWS_DATA_VERSION,
    resolve: (query, _root, _args, ctx) => ctx.app.db.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: ctx.workspace.id } }),
  }),
);

const SettingsInput = builder.inputType("WorkspaceSettingsInput", {
  fields: (t) => ({
    name: t.string(),
    timezone: t.string(),
    firstWeekday: t.int(),
    byok: t.boolean(),
    userLevelData: t.boolean({ description: "Off removes names and emails from exports and queries." }),
  }),
});

builder.mutationField("updateWorkspaceSettings", (t) =>
  t.prismaField({
    type: "Workspace",
    errors: {},
    authScopes: { manage: true },
    args: { input: t.arg({ type: SettingsInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const data = parseSettingsChange(input);
      return updateWorkspaceSettings(ctx.app.db, ctx.workspace.id, data, (tx) =>
        tx.workspace.update({
          // Selecting only `__typename` gives `{select: {}}`, which Prisma's update
          // refuses ("Unexpected error"); the whole row is as good.
          ...(isEmptySelect(query) ? {} : query),
          where: { id: ctx.workspace.id },
          data,
        }),
      );
    },
  }),
);

function isEmptySelect(query: { select?: object }): boolean {
  return query.select !== undefined && Object.keys(query.select).length === 0;
}
