import type { Overview, TopAgent, TopApiKey, TopProject, TopUser } from "../api/analytics.ts";
import { formatInt, formatUsd } from "../format.ts";
import { TopTable, type Column } from "./TopTable.tsx";

/** A name with a second line (email, owner or id); just the id when privacy mode withholds the name. */
const named = (name: string | null, id: string | null, detail: string | null = null) =>
  name ? (
    <>
      {name}
      <span class="id">{detail ?? id}</span>
    </>
  ) : (
    <span class="id-only">{id}</span>
  );

/**
 * Top users, agents, projects and API keys of the period. With user-level data
 * off the API returns no names or emails (null), so only ids are shown.
 */
export function TopTables({ overview }: { overview: Overview }) {
  const count = (n: number) => formatInt(n);
  const owner = (email: string | null) => (email ? `owner ${email}` : null);
  const users: Column<TopUser>[] = [
    { header: "User", cell: (u) => named(u.name, u.userId, u.email) },
    { header: "Messages", numeric: true, cell: (u) => count(u.messagesTotal) },
    { header: "To agents", numeric: true, cell: (u) => count(u.messagesAssistants) },
    { header: "In projects", numeric: true, cell: (u) => count(u.messagesProjects) },
  ];
  const agents: Column<TopAgent>[] = [
    { header: "Agent", cell: (a) => named(a.assistantName, a.assistantId, owner(a.assistantOwnerEmail)) },
    { header: "Messages", numeric: true, cell: (a) => count(a.messages) },
    { header: "Users", numeric: true, cell: (a) => count(a.uniqueUsers) },
  ];
  const projects: Column<TopProject>[] = [
    { header: "Project", cell: (p) => named(p.projectName, p.projectId, owner(p.projectOwnerEmail)) },
    { header: "Messages", numeric: true, cell: (p) => count(p.messages) },
  ];
  const apiKeys: Column<TopApiKey>[] = [
    { header: "API key", cell: (k) => named(k.apiKeyName, k.apiKeyId) },
    { header: "Requests", numeric: true, cell: (k) => count(k.requests) },
    { header: "Cost", numeric: true, cell: (k) => formatUsd(k.totalCostUsd) },
  ];
  return (
    <div class="tables">
      <TopTable
        id="top-users"
        title="Top users"
        rows={overview.users}
        columns={users}
        rowKey={(u) => u.userId}
        empty="No user sent a message in this period."
      />
      <TopTable
        id="top-agents"
        title="Top agents"
        rows={overview.agents}
        columns={agents}
        rowKey={(a) => a.assistantId}
        empty="No agent was messaged in this period."
      />
      <TopTable
        id="top-projects"
        title="Top projects"
        rows={overview.projects}
        columns={projects}
        rowKey={(p) => p.projectId}
        empty="No project messages in this period."
      />
      <TopTable
        id="top-api-keys"
        title="Top API keys"
        rows={overview.apiKeys}
        columns={apiKeys}
        rowKey={(k) => k.apiKeyId}
        empty="No API requests in this period."
      />
    </div>
  );
}
