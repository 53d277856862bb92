import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { isDataTypeName } from "../../src/usage/shared/data-types.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

// Every expected line below was worked out by hand from test/fixtures/small-workspace.ts
// (October 2026, UTC). "byok personal": BYOK workspace with user-level data on (ws_a);
// "plain private": non-BYOK with user-level data off (ws_b).
const EXPECTED: Record<string, string[]> = {
  "users none byok personal": [
    "period_start,period_end,org_id,user_id,name,email,role,joined_at,department,company_name,license_type,payg_limit_current,payg_consumption_in_period,payg_utilization_pct_current,messages_total,messages_total_rank,messages_chat,messages_chat_rank,messages_assistants,messages_assistants_rank,assistants_messaged,assistants_to_messages,messages_projects,messages_projects_rank,projects_messaged,projects_to_messages,model_to_messages_total,action_messages,action_messaged,action_to_messages,total_input_tokens,total_output_tokens,cached_prompt_tokens,cache_creation_tokens,no_cache_tokens,total_cost_usd",
    '2026-10-01,2026-10-31,ws_a,u1,Alice Admin,alice@acme.test,admin,2025-01-10,Eng,Acme,pro,80,1.75,0.0219,4,1,1,1,2,1,1,"{""a1"":2}",1,1,1,"{""p1"":1}","{""claude-3-5-sonnet"":2,""gpt-4o"":2}",3,2,"{""web_search"":2,""canvas"":1}",641,141,20,10,611,0.0035',
    '2026-10-01,2026-10-31,ws_a,u2,"\'=HYPERLINK(""x"")",bob@acme.test,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,3,2,1,1,2,1,2,"{""a1"":1,""a2"":1}",0,2,0,{},"{""gpt-4o"":2,""gpt-4o-mini"":1}",1,1,"{""Hubspot_create_contact"":1}",1010,305,400,100,510,0.004001',
    "2026-10-01,2026-10-31,ws_a,u3,Carol,carol@acme.test,member,2026-01-01,,Acme,enterprise,20,0,0.0000,0,3,0,3,0,3,0,{},0,2,0,{},{},0,0,{},0,0,0,0,0,0",
  ],
  "users model byok personal": [
    "period_start,period_end,org_id,user_id,model,name,email,role,joined_at,department,company_name,license_type,payg_limit_current,payg_consumption_in_period,payg_utilization_pct_current,messages_total,messages_chat,messages_assistants,assistants_messaged,messages_projects,total_input_tokens,total_output_tokens,cached_prompt_tokens,cache_creation_tokens,no_cache_tokens,total_cost_usd",
    "2026-10-01,2026-10-31,ws_a,u1,claude-3-5-sonnet,Alice Admin,alice@acme.test,admin,2025-01-10,Eng,Acme,pro,80,1.25,0.0156,2,0,2,1,0,501,87,0,0,501,0.002",
    "2026-10-01,2026-10-31,ws_a,u1,gpt-4o,Alice Admin,alice@acme.test,admin,2025-01-10,Eng,Acme,pro,80,0.5,0.0063,2,1,0,0,1,140,54,20,10,110,0.0015",
    '2026-10-01,2026-10-31,ws_a,u2,gpt-4o,"\'=HYPERLINK(""x"")",bob@acme.test,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,2,1,1,1,0,1000,300,400,100,500,0.004001',
    '2026-10-01,2026-10-31,ws_a,u2,gpt-4o-mini,"\'=HYPERLINK(""x"")",bob@acme.test,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,1,0,1,1,0,10,5,0,0,10,0',
  ],
  "agents none byok personal": [
    "period_start,period_end,org_id,assistant_id,assistant_name,assistant_description,assistant_url,assistant_owner_id,assistant_owner_email,messages,unique_users,active_users,conversations,messages_per_user,sum_prompt_tokens,avg_prompt_tokens,min_prompt_tokens,max_prompt_tokens,sum_completion_tokens,avg_completion_tokens,min_completion_tokens,max_completion_tokens,sum_cached_prompt_tokens,sum_cache_creation_tokens,sum_no_cache_tokens",
    "2026-10-01,2026-10-31,ws_a,a1,Research Helper,Finds sources,https://app.test/agents/a1,u1,alice@acme.test,3,2,1,1,3.00,511,170.33,10,301,92,30.67,5,80,0,0,511",
    "2026-10-01,2026-10-31,ws_a,a2,Support Bot,,https://app.test/agents/a2,u2,bob@acme.test,1,1,1,1,1.00,1000,1000.00,1000,1000,300,300.00,300,300,400,100,500",
    "2026-10-01,2026-10-31,ws_a,a3,Unused,Never asked,,u3,carol@acme.test,0,0,0,0,,0,,0,0,0,,0,0,0,0,0",
  ],
  "agents model byok personal": [
    "period_start,period_end,org_id,assistant_id,model,assistant_name,assistant_description,assistant_url,assistant_owner_id,assistant_owner_email,messages,unique_users,sum_prompt_tokens,avg_prompt_tokens,min_prompt_tokens,max_prompt_tokens,sum_completion_tokens,avg_completion_tokens,min_completion_tokens,max_completion_tokens,sum_cached_prompt_tokens,sum_cache_creation_tokens,sum_no_cache_tokens",
    "2026-10-01,2026-10-31,ws_a,a1,claude-3-5-sonnet,Research Helper,Finds sources,https://app.test/agents/a1,u1,alice@acme.test,2,1,501,250.50,200,301,87,43.50,7,80,0,0,501",
    "2026-10-01,2026-10-31,ws_a,a1,gpt-4o-mini,Research Helper,Finds sources,https://app.test/agents/a1,u1,alice@acme.test,1,1,10,10.00,10,10,5,5.00,5,5,0,0,10",
    "2026-10-01,2026-10-31,ws_a,a2,gpt-4o,Support Bot,,https://app.test/agents/a2,u2,bob@acme.test,1,1,1000,1000.00,1000,1000,300,300.00,300,300,400,100,500",
  ],
  "projects none byok personal": [
    "period_start,period_end,org_id,project_id,project_name,project_owner_id,project_owner_email,messages",
    "2026-10-01,2026-10-31,ws_a,p1,Launch,u1,alice@acme.test,1",
    "2026-10-01,2026-10-31,ws_a,p2,Idle,u2,bob@acme.test,0",
  ],
  "api_keys none byok personal": [
    "period_start,period_end,org_id,api_key_id,api_key_name,requests,total_cost_usd,sum_prompt_tokens,sum_completion_tokens,cached_prompt_tokens,cache_creation_tokens,no_cache_tokens",
    "2026-10-01,2026-10-31,ws_a,k1,CI pipeline,3,0.012,1037,504,100,0,937",
    "2026-10-01,2026-10-31,ws_a,k2,Unused key,0,0,0,0,0,0,0",
  ],
  "api_keys model byok personal": [
    "period_start,period_end,org_id,api_key_id,model,api_key_name,requests,total_cost_usd,sum_prompt_tokens,sum_completion_tokens,cached_prompt_tokens,cache_creation_tokens,no_cache_tokens",
    "2026-10-01,2026-10-31,ws_a,k1,gpt-4o,CI pipeline,2,0.01,1007,501,100,0,907",
    "2026-10-01,2026-10-31,ws_a,k1,gpt-4o-mini,CI pipeline,1,0.002,30,3,0,0,30",
  ],
  "models none byok personal": [
    "period_start,period_end,org_id,name,provider,bring_your_keys,requests,sum_prompt_tokens,sum_completion_tokens,sum_cached_prompt_tokens,sum_cache_creation_tokens,no_cache_tokens,total_cost_usd",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,false,4,1140,554,120,10,1010,0.011501",
    "2026-10-01,2026-10-31,ws_a,claude-3-5-sonnet,anthropic,false,2,501,87,0,0,501,0.002",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,true,2,1007,301,400,100,507,0.004",
    "2026-10-01,2026-10-31,ws_a,gpt-4o-mini,openai,false,2,40,8,0,0,40,0.002",
  ],
  "models source byok personal": [
    "period_start,period_end,org_id,name,provider,bring_your_keys,source,requests,sum_prompt_tokens,sum_completion_tokens,sum_cached_prompt_tokens,sum_cache_creation_tokens,no_cache_tokens,total_cost_usd",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,false,WEB,3,140,54,20,10,110,0.001501",
    "2026-10-01,2026-10-31,ws_a,claude-3-5-sonnet,anthropic,false,WEB,2,501,87,0,0,501,0.002",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,false,API,1,1000,500,100,0,900,0.01",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,true,API,1,7,1,0,0,7,0",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,true,SLACK,1,1000,300,400,100,500,0.004",
    "2026-10-01,2026-10-31,ws_a,gpt-4o-mini,openai,false,API,1,30,3,0,0,30,0.002",
    "2026-10-01,2026-10-31,ws_a,gpt-4o-mini,openai,false,MOBILE,1,10,5,0,0,10,0",
  ],
  "models deployment byok personal": [
    "period_start,period_end,org_id,name,provider,bring_your_keys,deployment,requests,sum_prompt_tokens,sum_completion_tokens,sum_cached_prompt_tokens,sum_cache_creation_tokens,no_cache_tokens,total_cost_usd",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,false,,4,1140,554,120,10,1010,0.011501",
    "2026-10-01,2026-10-31,ws_a,claude-3-5-sonnet,anthropic,false,,2,501,87,0,0,501,0.002",
    "2026-10-01,2026-10-31,ws_a,gpt-4o,openai,true,eu-gpt4o,2,1007,301,400,100,507,0.004",
    "2026-10-01,2026-10-31,ws_a,gpt-4o-mini,openai,false,,2,40,8,0,0,40,0.002",
  ],
  "users none plain private": [
    "period_start,period_end,org_id,user_id,role,joined_at,department,company_name,license_type,payg_limit_current,payg_consumption_in_period,payg_utilization_pct_current,messages_total,messages_total_rank,messages_chat,messages_chat_rank,messages_assistants,messages_assistants_rank,assistants_messaged,assistants_to_messages,messages_projects,messages_projects_rank,projects_messaged,projects_to_messages,model_to_messages_total,action_messages,action_messaged,action_to_messages",
    '2026-10-01,2026-10-31,ws_b,u1,admin,2025-01-10,Eng,Acme,pro,80,1.75,0.0219,4,1,1,1,2,1,1,"{""a1"":2}",1,1,1,"{""p1"":1}","{""claude-3-5-sonnet"":2,""gpt-4o"":2}",3,2,"{""web_search"":2,""canvas"":1}"',
    '2026-10-01,2026-10-31,ws_b,u2,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,3,2,1,1,2,1,2,"{""a1"":1,""a2"":1}",0,2,0,{},"{""gpt-4o"":2,""gpt-4o-mini"":1}",1,1,"{""Hubspot_create_contact"":1}"',
    "2026-10-01,2026-10-31,ws_b,u3,member,2026-01-01,,Acme,enterprise,20,0,0.0000,0,3,0,3,0,3,0,{},0,2,0,{},{},0,0,{}",
  ],
  "users model plain private": [
    "period_start,period_end,org_id,user_id,model,role,joined_at,department,company_name,license_type,payg_limit_current,payg_consumption_in_period,payg_utilization_pct_current,messages_total,messages_chat,messages_assistants,assistants_messaged,messages_projects",
    "2026-10-01,2026-10-31,ws_b,u1,claude-3-5-sonnet,admin,2025-01-10,Eng,Acme,pro,80,1.25,0.0156,2,0,2,1,0",
    "2026-10-01,2026-10-31,ws_b,u1,gpt-4o,admin,2025-01-10,Eng,Acme,pro,80,0.5,0.0063,2,1,0,0,1",
    '2026-10-01,2026-10-31,ws_b,u2,gpt-4o,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,2,1,1,1,0',
    '2026-10-01,2026-10-31,ws_b,u2,gpt-4o-mini,member,2026-03-01,"Sales, EMEA",Acme,pro,0,0,,1,0,1,1,0',
  ],
  "agents none plain private": [
    "period_start,period_end,org_id,assistant_id,assistant_name,assistant_description,assistant_url,assistant_owner_id,messages,unique_users,active_users,conversations,messages_per_user",
    "2026-10-01,2026-10-31,ws_b,a1,Research Helper,Finds sources,https://app.test/agents/a1,u1,3,2,1,1,3.00",
    "2026-10-01,2026-10-31,ws_b,a2,Support Bot,,https://app.test/agents/a2,u2,1,1,1,1,1.00",
    "2026-10-01,2026-10-31,ws_b,a3,Unused,Never asked,,u3,0,0,0,0,",
  ],
  "agents model plain private": [
    "period_start,period_end,org_id,assistant_id,model,assistant_name,assistant_description,assistant_url,assistant_owner_id,messages,unique_users",
    "2026-10-01,2026-10-31,ws_b,a1,claude-3-5-sonnet,Research Helper,Finds sources,https://app.test/agents/a1,u1,2,1",
    "2026-10-01,2026-10-31,ws_b,a1,gpt-4o-mini,Research Helper,Finds sources,https://app.test/agents/a1,u1,1,1",
    "2026-10-01,2026-10-31,ws_b,a2,gpt-4o,Support Bot,,https://app.test/agents/a2,u2,1,1",
  ],
  "projects none plain private": [
    "period_start,period_end,org_id,project_id,project_name,project_owner_id,messages",
    "2026-10-01,2026-10-31,ws_b,p1,Launch,u1,1",
    "2026-10-01,2026-10-31,ws_b,p2,Idle,u2,0",
  ],
  "api_keys none plain private": [
    "period_start,period_end,org_id,api_key_id,api_key_name,requests,total_cost_usd",
    "2026-10-01,2026-10-31,ws_b,k1,CI pipeline,3,0.012",
    "2026-10-01,2026-10-31,ws_b,k2,Unused key,0,0",
  ],
  "api_keys model plain private": [
    "period_start,period_end,org_id,api_key_id,model,api_key_name,requests,total_cost_usd",
    "2026-10-01,2026-10-31,ws_b,k1,gpt-4o,CI pipeline,2,0.01",
    "2026-10-01,2026-10-31,ws_b,k1,gpt-4o-mini,CI pipeline,1,0.002",
  ],
  "models none plain private": [
    "period_start,period_end,org_id,name,provider,bring_your_keys,requests",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,false,4",
    "2026-10-01,2026-10-31,ws_b,claude-3-5-sonnet,anthropic,false,2",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,true,2",
    "2026-10-01,2026-10-31,ws_b,gpt-4o-mini,openai,false,2",
  ],
  "models source plain private": [
    "period_start,period_end,org_id,name,provider,bring_your_keys,source,requests",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,false,WEB,3",
    "2026-10-01,2026-10-31,ws_b,claude-3-5-sonnet,anthropic,false,WEB,2",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,false,API,1",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,true,API,1",
    "2026-10-01,2026-10-31,ws_b,gpt-4o,openai,true,SLACK,1",
    "2026-10-01,2026-10-31,ws_b,gpt-4o-mini,openai,false,API,1",
    "2026-10-01,2026-10-31,ws_b,gpt-4o-mini,openai,false,MOBILE,1",
  ],
};

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
await createSmallWorkspace(db, { id: "ws_a", byok: true, userLevelData: true });
await createSmallWorkspace(db, { id: "ws_b", byok: false, userLevelData: false });
const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);

describe("CSV exports of the hand-built workspace", () => {
  for (const [name, lines] of Object.entries(EXPECTED)) {
    const [type, groupBy, mode] = name.split(" ");
    if (!isDataTypeName(type) || groupBy === undefined || mode === undefined)
      throw new Error(`"${name}" is not "<data type> <group by> <mode> …"`);
    test(`${type} grouped by ${groupBy} in a ${mode} workspace match the hand-computed bytes`, async () => {
      const result = await createExport(app, {
        workspaceId: mode === "byok" ? "ws_a" : "ws_b",
        dataType: type,
        period,
        groupBy: groupBy === "none" ? null : groupBy,
      });
      const bytes = await readFile(result.absolutePath, "utf8");
      expect(bytes).toBe(lines.map((l) => `${l}\r\n`).join(""));
      expect(result.recordCount).toBe(lines.length - 1);
    });
  }
});
