/**
 * What a report's messages show about its period: computed by
 * src/reports/build-report-zip.ts, rendered by the templates beside this file.
 */
export interface ReportSummary {
  period: { startDate: string; endDate: string; timezone: string };
  totals: { messages: number; activeUsers: number; apiRequests: number };
  topUsers: { label: string; messages: number }[];
  topAgents: { label: string; messages: number }[];
  topModels: { label: string; requests: number }[];
  noData: boolean;
}

/** One CSV in the zip, as the messages list it. */
export interface ReportFileLine {
  name: string;
  rowCount: number;
}
