import { DEDICATED_PREFIX, EXPORT_TAG, exportPaths, exportServers } from "./paths-export.ts";
import { downloadOperation } from "./paths-download.ts";
import { EXPORT_JOBS_TAG, exportJobPaths } from "./paths-export-jobs.ts";
import { ingestOperation } from "./paths-ingest.ts";
import { timeSeriesPaths } from "./paths-timeseries.ts";
import { jsonResponse, SHARED_RESPONSES } from "./responses.ts";
import { COMPONENT_SCHEMAS } from "./schemas.ts";
import { NO_AUTH, schemaRef, type PathItem } from "./types.ts";

// The OpenAPI 3.0 document of the REST surface, served at GET /openapi.json.
// The export endpoints follow the seed API (`export-users-api.txt`): the same
// schema names, request and response shapes, and bearer authentication.

const INFO_DESCRIPTION = [
  "Usage analytics of an AI-chat workspace as CSV exports, plus the ingestion of the records they are computed from.",
  "**Authentication.** Send an API key as `Authorization: Bearer <key>`. Roles: `admin` (everything), `export` (exports), `ingest` (ingestion). Downloads need no key: their signed URL is the credential.",
  "**Browsers.** Requests carrying an `Origin` header are refused (403) and no CORS headers are ever sent, so an API key never has to live in a web page.",
  `**Dedicated deployments.** The export endpoints are also served under \`${DEDICATED_PREFIX}\` (\`${DEDICATED_PREFIX}/export/{dataType}\`).`,
  "**Rate limits.** Per API key and minute: 60 export requests and 600 ingestion requests by default; past it the answer is 429 with `Retry-After` (seconds).",
  "**Errors.** Every error is `UsageExportError` `{ error, message }`; a path or method the API does not have is 404.",
  "GraphQL (`/graphql`) offers the same data as typed queries; it is not described here.",
].join("\n\n");

/** The OpenAPI 3 document of the REST surface, with servers pointing at `baseUrl`. */
export function openApiDocument(baseUrl: string): Record<string, unknown> {
  const paths: Record<string, PathItem> = {
    ...exportPaths(baseUrl),
    ...exportJobPaths(exportServers(baseUrl)),
    ...timeSeriesPaths(baseUrl),
    "/ingest": { post: ingestOperation },
    "/downloads/{filePath}": { get: downloadOperation("get"), head: downloadOperation("head") },
    "/openapi.json": {
      get: {
        tags: ["Service"],
        summary: "This document",
        description: "The OpenAPI 3.0 document of the REST API.",
        operationId: "getOpenApiDocument",
        security: NO_AUTH,
        responses: { "200": jsonResponse("The OpenAPI document", { type: "object" }) },
      },
    },
    "/health": {
      get: {
        tags: ["Service"],
        summary: "Liveness check",
        description: "Answers `{ ok: true }` while the process serves requests.",
        operationId: "getHealth",
        security: NO_AUTH,
        responses: { "200": jsonResponse("The service is up", schemaRef("Health"), { ok: true }) },
      },
    },
  };
  return {
    openapi: "3.0.3",
    info: { title: "Usage Exports API", version: "1.0.0", description: INFO_DESCRIPTION },
    // `/api/public` is a server of the export paths only (their path-level servers), not of /ingest or /downloads.
    servers: [{ url: baseUrl, description: "This service" }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: EXPORT_TAG, description: "CSV exports of usage per data type" },
      { name: EXPORT_JOBS_TAG, description: "Exports run in the background (Prefer: respond-async)" },
      { name: "Ingestion", description: "Directory and usage records from the platform" },
      { name: "Downloads", description: "Signed, expiring links to export files" },
      { name: "Service", description: "Health and this document" },
    ],
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      responses: SHARED_RESPONSES,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "API Key",
          description: 'API key as Bearer token. Format "Bearer YOUR_API_KEY"',
        },
      },
    },
  };
}
