import { AppError } from "../errors/app-error.ts";
import type { AccessRole } from "../generated/prisma/enums.ts";

/**
 * The one place that says which key role may do what. Every entry point (REST,
 * GraphQL, ingestion) asks `requireCapability` instead of comparing roles itself.
 */
const CAPABILITIES = {
  /** Read usage (GraphQL queries). */
  query: ["admin", "export"],
  /** Create exports and download them. */
  export: ["admin", "export"],
  /** Send directory and usage records. */
  ingest: ["admin", "ingest"],
  /** Keys, workspace settings, report subscriptions. */
  manage: ["admin"],
} as const satisfies Record<string, readonly AccessRole[]>;

export type Capability = keyof typeof CAPABILITIES;

/** How each capability reads in "may not …". */
const VERBS: Record<Capability, string> = {
  query: "query usage",
  export: "export",
  ingest: "ingest records",
  manage: "manage the workspace",
};

export function can(role: AccessRole, capability: Capability): boolean {
  const allowed: readonly AccessRole[] = CAPABILITIES[capability];
  return allowed.includes(role);
}

/** Throws 403 unless the key's role grants the capability. */
export function requireCapability(key: { role: AccessRole }, capability: Capability): void {
  if (!can(key.role, capability)) throw capabilityDenied(key, capability);
}

/** The 403 for a role without the capability (GraphQL's auth scopes answer with it too). */
export function capabilityDenied(key: { role: AccessRole }, capability: Capability): AppError {
  return new AppError("FORBIDDEN", `This API key's role "${key.role}" may not ${VERBS[capability]}`);
}

/** Whether a name is one of the capabilities. */
export const isCapability = (name: string): name is Capability => Object.hasOwn(CAPABILITIES, name);
