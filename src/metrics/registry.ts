import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

// Every metric of the service, defined once. Metrics are per process, as
// Prometheus scrapes them (one target per instance), so they live in one
// module-level registry rather than in the AppContext. Labels are bounded sets
// (route templates, data types, formats, channels, outcomes): never a user,
// key, workspace or path.

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new Histogram({
  name: "http_request_duration_seconds",
  help: "HTTP requests by route template, method and status",
  labelNames: ["route", "method", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const exportRows = new Counter({
  name: "usage_export_rows_total",
  help: "Rows written to export files, by data type and format",
  labelNames: ["data_type", "format"] as const,
  registers: [registry],
});

export const exportBytes = new Counter({
  name: "usage_export_bytes_total",
  help: "Bytes of export files written, by data type and format",
  labelNames: ["data_type", "format"] as const,
  registers: [registry],
});

export const exportDuration = new Histogram({
  name: "usage_export_duration_seconds",
  help: "Time to read and write one export file, by data type and format",
  labelNames: ["data_type", "format"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

export const ingestedRecords = new Counter({
  name: "usage_ingest_records_total",
  help: "Ingested records of stored batches: accepted (stored or updated) or duplicate (already stored)",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const ingestBatches = new Counter({
  name: "usage_ingest_batches_total",
  help: "Ingestion requests by outcome: stored, refused (a 4xx: bad records, body or encoding) or failed (a 5xx)",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const ingestRejectedRecords = new Counter({
  name: "usage_ingest_rejected_records_total",
  help: "Records (NDJSON lines) named as problems in refused ingestion batches",
  registers: [registry],
});

export const reportDeliveries = new Counter({
  name: "report_deliveries_total",
  help: "Report delivery attempts by channel and outcome (delivered, retrying, failed, lost-lease)",
  labelNames: ["channel", "outcome"] as const,
  registers: [registry],
});

export const resultCacheLookups = new Counter({
  name: "usage_result_cache_lookups_total",
  help: "Lookups of the usage result cache (GraphQL pages, report summaries): hit or miss",
  labelNames: ["result"] as const,
  registers: [registry],
});

export const responseCacheLookups = new Counter({
  name: "graphql_response_cache_lookups_total",
  help: "GraphQL operations that may be answered from the whole-response cache: hit, or miss (executed)",
  labelNames: ["result"] as const,
  registers: [registry],
});
