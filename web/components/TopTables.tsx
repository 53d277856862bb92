import type { Overview, TopAgent, TopApiKey, TopProject, TopUser } from "../api/analytics.ts";
import { formatInt, formatUsd } from "../format.ts";
import { TopTable, type Column } from "./TopTable.tsx";

/** Who or what a row is: its name over `detail` (email or owner; else the id), or the id alone when privacy mode withholds the name. */
interface Named {
  id: string | null;
  name: string | null;
  detail?: string | null;
}

/** A top table's columns: the first names the row, and its id also keys the row. */
type NamedColumns<Row> = [first: { header: string; named: (row: Row) => Named }, ...rest: Column<Row>[]];

const nameCell = ({ id, name, detail }: Named) =>
  name ? (
    <>
      {name}
      <span class="id">{detail ?? id}</span>
    </>
  ) : (
    <span class="id-only">{id}</span>
  );

/** A `TopTable` whose id is its title in kebab case (`Top API keys` → `top-api-keys`). */
function NamedTopTable<Row>(props: { title: string; rows: Row[]; columns: NamedColumns<Row>; empty: string }) {
  const [{ header, named }, ...rest] = props.columns;
  return (
    <TopTable
      id={props.title.toLowerCase().replaceAll(" ", "-")}
      title={props.title}
      rows={props.rows}
      columns={[{ header, cell: (row) => nameCell(named(row)) }, ...rest]}
      rowKey={(row) => named(row).id}
      empty={props.empty}
    />
  );
}

const count = (n: number) => formatInt(n);
const owner = (email: string | null) => (email ? `owner ${email}` : null);

const USERS: NamedColumns<TopUser> = [
  { header: "User", named: (u) => ({ id: u.userId, name: u.name, detail: u.email }) },
  { header: "Messages", numeric: true, cell: (u) => count(u.messagesTotal) },
  { header: "To agents", numeric: true, cell: (u) => count(u.messagesAssistants) },
  { header: "In projects", numeric: true, cell: (u) => count(u.messagesProjects) },
];
const AGENTS: NamedColumns<TopAgent> = [
  { header: "Agent", named: (a) => ({ id: a.assistantId, name: a.assistantName, detail: owner(a.assistantOwnerEmail) }) },
  { header: "Messages", numeric: true, cell: (a) => count(a.messages) },
  { header: "Users", numeric: true, cell: (a) => count(a.uniqueUsers) },
];
const PROJECTS: NamedColumns<TopProject> = [
  { header: "Project", named: (p) => ({ id: p.projectId, name: p.projectName, detail: owner(p.projectOwnerEmail) }) },
  { header: "Messages", numeric: true, cell: (p) => count(p.messages) },
];
const API_KEYS: NamedColumns<TopApiKey> = [
  { header: "API key", named: (k) => ({ id: k.apiKeyId, name: k.apiKeyName }) },
  { header: "Requests", numeric: true, cell: (k) => count(k.requests) },
  { header: "Cost", numeric: true, cell: (k) => formatUsd(k.totalCostUsd) },
];

/**
 * Top users, agents, projects and API keys of the period. With user-level data
 * off the API returns no names or emails (null), so only ids are shown.
 */
export function TopTables({ overview }: { overview: Overview }) {
  return (
    <div class="tables">
      <NamedTopTable title="Top users" rows={overview.users} columns={USERS} empty="No user sent a message in this period." />
      <NamedTopTable title="Top agents" rows={overview.agents} columns={AGENTS} empty="No agent was messaged in this period." />
      <NamedTopTable title="Top projects" rows={overview.projects} columns={PROJECTS} empty="No project messages in this period." />
      <NamedTopTable title="Top API keys" rows={overview.apiKeys} columns={API_KEYS} empty="No API requests in this period." />
    </div>
  );
}
