import { readFile } from "node:fs/promises";

const DELIMITER = /[,\r\n]/g;

/** Parses RFC 4180 CSV (CRLF or LF, quoted cells with doubled quotes) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && cell === "") {
      // A quoted cell.
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quoted cell");
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (c === ",") {
      row.push(cell);
      cell = "";
      i++;
    } else if (c === "\n" || c === "\r") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      DELIMITER.lastIndex = i;
      const end = DELIMITER.exec(text)?.index ?? n;
      cell += text.slice(i, end);
      i = end;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export interface CsvComparison {
  rowsA: number;
  rowsB: number;
  sameHeader: boolean;
  differingCells: number;
  /** Column name → differing cells. */
  byColumn: Record<string, number>;
  examples: string[];
}

/** Cell-by-cell comparison of two CSV files (data rows, in order). */
export async function compareCsvFiles(a: string, b: string): Promise<CsvComparison> {
  const [ra, rb] = [parseCsv(await readFile(a, "utf8")), parseCsv(await readFile(b, "utf8"))];
  const [ha, hb] = [ra[0] ?? [], rb[0] ?? []];
  const out: CsvComparison = {
    rowsA: ra.length - 1,
    rowsB: rb.length - 1,
    sameHeader: ha.join(",") === hb.join(","),
    differingCells: 0,
    byColumn: {},
    examples: [],
  };
  if (!out.sameHeader)
    out.examples.push(
      `header differs: ours has ${ha.length} columns, baseline ${hb.length}; first difference at ${ha.findIndex((h, i) => h !== hb[i])}`,
    );
  const rows = Math.min(ra.length, rb.length);
  for (let r = 1; r < rows; r++) {
    const x = ra[r]!;
    const y = rb[r]!;
    for (let c = 0; c < Math.max(x.length, y.length); c++) {
      if ((x[c] ?? "") === (y[c] ?? "")) continue;
      out.differingCells++;
      const col = ha[c] ?? `#${c}`;
      out.byColumn[col] = (out.byColumn[col] ?? 0) + 1;
      if (out.examples.length < 5) out.examples.push(`row ${r} ${col}: ours ${JSON.stringify(x[c])} vs baseline ${JSON.stringify(y[c])}`);
    }
  }
  return out;
}

/** Data rows of a CSV file without embedded newlines (line count minus the header). */
export async function csvDataRows(path: string): Promise<number> {
  const text = await readFile(path, "utf8");
  let lines = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
  if (text.length > 0 && !text.endsWith("\n")) lines++;
  return Math.max(0, lines - 1);
}
