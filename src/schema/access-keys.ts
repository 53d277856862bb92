import { createAccessKey, listAccessKeys, revokeAccessKey, summaryFields, type AccessKeySummary } from "../auth/access-keys.ts";
import { builder, COSTED_BY_DATA_LIST } from "./builder.ts";

const AccessRoleEnum = builder.enumType("AccessRole", {
  description: "admin: everything; export: usage queries and exports; ingest: sending records only.",
  values: ["admin", "export", "ingest"] as const,
});

/** A key as listings show it: never the secret nor its hash. */
const AccessKeyRef = builder.objectRef<AccessKeySummary>("AccessKey").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    role: t.expose("role", { type: AccessRoleEnum }),
    prefix: t.exposeString("prefix", { description: "The first characters of the key, to tell keys apart." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

const CreatedKeyRef = builder.objectRef<{ apiKey: string; key: AccessKeySummary }>("CreatedAccessKey").implement({
  fields: (t) => ({
    apiKey: t.exposeString("apiKey", { description: "The secret. Shown only in this response: only its hash is stored." }),
    key: t.field({ type: AccessKeyRef, resolve: (c) => c.key }),
  }),
});

builder.queryField("accessKeys", (t) =>
  t.field({
    type: [AccessKeyRef],
    errors: {},
    authScopes: { manage: true },
    complexity: COSTED_BY_DATA_LIST,
    description: "The workspace's API keys (admin keys only).",
    resolve: (_root, _args, ctx) => listAccessKeys(ctx.app.db, ctx.workspace.id),
  }),
);

const CreateKeyInput = builder.inputType("CreateAccessKeyInput", {
  fields: (t) => ({
    role: t.field({ type: AccessRoleEnum, required: true }),
    name: t.string(),
  }),
});

builder.mutationField("createAccessKey", (t) =>
  t.field({
    type: CreatedKeyRef,
    errors: {},
    authScopes: { manage: true },
    args: { input: t.arg({ type: CreateKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, apiKey } = await createAccessKey(ctx.app.db, {
        workspaceId: ctx.workspace.id,
        role: input.role,
        name: input.name ?? undefined,
      });
      const key = await ctx.app.db.prisma.accessKey.findUniqueOrThrow({ where: { id }, select: summaryFields });
      return { apiKey, key };
    },
  }),
);

builder.mutationField("revokeAccessKey", (t) =>
  t.field({
    type: AccessKeyRef,
    errors: {},
    authScopes: { manage: true },
    description: "Revokes a key at once: requests with it are answered 401 from then on.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => revokeAccessKey(ctx.app.db, ctx.workspace.id, String(id)),
  }),
);
