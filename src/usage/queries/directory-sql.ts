import { Prisma } from "../../generated/prisma/client.ts";

type Kind = "user" | "agent" | "project" | "api_key" | "deployment";

/**
 * `(entity_id, attrs)` of each entity as in force at `at`: the latest version
 * with effective_at <= at; an entity first known later is described by its
 * first version (SPEC §7: the first version stands for all earlier times).
 */
export function attributesAsOf(workspaceId: string, kind: Kind, at: Date): Prisma.Sql {
  return Prisma.sql`
    select distinct on (entity_id) entity_id, attrs
    from directory_versions
    where workspace_id = ${workspaceId} and kind = ${kind}::directory_kind
    order by entity_id,
      (effective_at <= ${at}) desc,
      case when effective_at <= ${at} then effective_at end desc,
      effective_at asc`;
}

/** `(entity_id, attrs)` of each entity's latest known version (for `*_current` columns). */
export function latestAttributes(workspaceId: string, kind: Kind): Prisma.Sql {
  return Prisma.sql`
    select distinct on (entity_id) entity_id, attrs
    from directory_versions
    where workspace_id = ${workspaceId} and kind = ${kind}::directory_kind
    order by entity_id, effective_at desc`;
}

/**
 * Ids of entities known by `at`. Agents, projects and API keys carry no creation
 * date, so an entity exists from its first version's effective_at on.
 */
export function knownBy(workspaceId: string, kind: Kind, at: Date): Prisma.Sql {
  return Prisma.sql`
    select entity_id from directory_versions
    where workspace_id = ${workspaceId} and kind = ${kind}::directory_kind
    group by entity_id having min(effective_at) <= ${at}`;
}

/** A `json_agg` of `[key, count]` pairs ordered by count descending, then key. */
export function keyCountsJson(key: string, counts: string): Prisma.Sql {
  return Prisma.raw(`coalesce(json_agg(json_build_array(${key}, ${counts}) order by ${counts} desc, ${key})::text, '[]')`);
}
