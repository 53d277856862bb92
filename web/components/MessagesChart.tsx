import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import type { Series } from "../api/analytics.ts";
import { formatDay, formatInt } from "../format.ts";

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies; grey is "Other".
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#A89200"];
const OTHER_COLOR = "#8C8C8C";
const HEIGHT = 280;
const HALF_DAY_S = 43_200;

interface Shown {
  model: string;
  total: number;
  messages: number[];
  color: string;
}

/** The busiest models each get a colour; the rest are summed into "Other" so the chart stays readable. */
function shownModels(series: Series): Shown[] {
  const top = series.models.slice(0, PALETTE.length).map((m, i) => ({ ...m, color: PALETTE[i]! }));
  const rest = series.models.slice(PALETTE.length);
  if (rest.length === 0) return top;
  const messages = series.days.map((_, d) => rest.reduce((sum, m) => sum + (m.messages[d] ?? 0), 0));
  return [...top, { model: `Other (${rest.length} models)`, total: messages.reduce((a, b) => a + b, 0), messages, color: OTHER_COLOR }];
}

/**
 * Messages per day as bars stacked by model (busiest at the bottom). uPlot has
 * no stacking of its own: each series is the running total up to its model,
 * drawn tallest first so the shorter stacks paint over it.
 */
export function MessagesChart({ series }: { series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const shown = shownModels(series);

  useEffect(() => {
    const el = box.current;
    if (!el || shown.length === 0) return;
    const xs = series.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const stacks: number[][] = [];
    let running = xs.map(() => 0);
    for (const m of shown) {
      running = running.map((v, i) => v + (m.messages[i] ?? 0));
      stacks.push(running);
    }
    const drawOrder = shown.map((_, i) => i).reverse();
    const bars = uPlot.paths.bars!({ size: [0.75, 36], align: 0 });
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: HEIGHT,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        // Dates are the workspace's calendar days: draw them as UTC so the browser's zone cannot shift them.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
        scales: {
          x: { time: true, range: (_u, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] },
        },
        axes: [
          { stroke: "#4b5563", grid: { show: false } },
          { stroke: "#4b5563", grid: { stroke: "#e5e7eb" }, size: 56, values: (_u, ticks) => ticks.map((t) => formatInt(t)) },
        ],
        series: [
          {},
          ...drawOrder.map((i) => ({
            label: shown[i]!.model,
            fill: shown[i]!.color,
            stroke: shown[i]!.color,
            width: 0,
            paths: bars,
            points: { show: false },
          })),
        ],
        hooks: { setCursor: [(u: uPlot) => setHover(u.cursor.idx ?? null)] },
      },
      [xs, ...drawOrder.map((i) => stacks[i]!)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);

  const day = hover !== null ? series.days[hover] : undefined;
  return (
    <section class="card chart" aria-labelledby="chart-title">
      <h2 id="chart-title">Messages per day by model</h2>
      {shown.length === 0 ? (
        <p class="empty">No messages in this period.</p>
      ) : (
        <>
          <ul class="legend" aria-label="Models">
            {shown.map((m) => (
              <li key={m.model}>
                <span class="swatch" style={{ background: m.color }} aria-hidden="true" />
                {m.model} <span class="subtle">{formatInt(m.total)}</span>
              </li>
            ))}
          </ul>
          <div
            ref={box}
            class="plot"
            role="img"
            aria-label="Stacked bars of messages per day by model; the table below lists the numbers"
          />
          <p class="readout subtle">
            {day && hover !== null
              ? `${formatDay(day)}: ${shown.map((m) => `${m.model} ${formatInt(m.messages[hover] ?? 0)}`).join(" · ")}`
              : "Point at a day for its numbers."}
          </p>
          <details>
            <summary>Messages per day as a table</summary>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1) */}
            {/* biome-ignore lint/a11y/useSemanticElements: role="region" names the scroll container; a <section> would add a landmark per table */}
            <div class="table-scroll" tabIndex={0} role="region" aria-label="Messages per day">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {shown.map((m) => (
                      <th scope="col" key={m.model}>
                        {m.model}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {series.days.map((d, i) => (
                    <tr key={d}>
                      <th scope="row">{formatDay(d)}</th>
                      {shown.map((m) => (
                        <td key={m.model}>{formatInt(m.messages[i] ?? 0)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
