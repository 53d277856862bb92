import type { ComponentChildren } from "preact";

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

/** A small titled table that scrolls sideways on narrow screens instead of squeezing. */
export function TopTable<Row>({
  id,
  title,
  rows,
  columns,
  rowKey,
  empty,
}: {
  id: string;
  title: string;
  rows: Row[];
  columns: Column<Row>[];
  /** Ids are never null in these rows, though the schema types every text column nullable. */
  rowKey: (row: Row) => string | null;
  empty: string;
}) {
  return (
    <section class="card top-table" aria-labelledby={`${id}-title`} data-table={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? (
        <p class="empty">{empty}</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1)
        // biome-ignore lint/a11y/useSemanticElements: role="region" names the scroll container; a <section> would add a landmark per table
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-title`}>
          <table>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th scope="col" key={c.header} class={c.numeric ? "num" : undefined}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={rowKey(r) ?? i}>
                  {columns.map((c) => (
                    <td key={c.header} class={c.numeric ? "num" : undefined}>
                      {c.cell(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
