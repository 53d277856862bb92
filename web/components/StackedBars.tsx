import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { ChartSeries } from "../chart/chart-series.ts";
import { formatInt } from "../format.ts";

const HEIGHT = 280;

/**
 * Bars stacked by series (the first at the bottom) at each bucket's start. uPlot
 * has no stacking of its own: each series is drawn as the running total up to
 * it, tallest first, so the shorter stacks paint over it. Times are drawn in the
 * workspace's zone, whatever the browser's.
 */
export function StackedBars({
  shown,
  starts,
  bucketSeconds,
  timeZone,
  label,
  onHover,
}: {
  shown: ChartSeries[];
  /** Bucket starts, in seconds. */
  starts: number[];
  /** The widest bucket's length: the x axis is padded by half of it on each side. */
  bucketSeconds: number;
  timeZone: string;
  label: string;
  onHover: (index: number | null) => void;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || shown.length === 0) return;
    const stacks: number[][] = [];
    let running = starts.map(() => 0);
    for (const s of shown) {
      running = running.map((v, i) => v + (s.values[i] ?? 0));
      stacks.push(running);
    }
    const drawOrder = shown.map((_, i) => i).reverse();
    const bars = uPlot.paths.bars!({ size: [0.75, 36], align: 0 });
    const pad = bucketSeconds / 2;
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: HEIGHT,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
        scales: {
          x: { time: true, range: (_u, min, max) => [min - pad, max + pad] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] },
        },
        axes: [
          { stroke: "#4b5563", grid: { show: false } },
          { stroke: "#4b5563", grid: { stroke: "#e5e7eb" }, size: 56, values: (_u, ticks) => ticks.map((t) => formatInt(t)) },
        ],
        series: [
          {},
          ...drawOrder.map((i) => ({
            label: shown[i]!.label,
            fill: shown[i]!.color,
            stroke: shown[i]!.color,
            width: 0,
            paths: bars,
            points: { show: false },
          })),
        ],
        hooks: { setCursor: [(u: uPlot) => onHover(u.cursor.idx ?? null)] },
      },
      [starts, ...drawOrder.map((i) => stacks[i]!)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [shown, starts, bucketSeconds, timeZone]);

  return <div ref={box} class="plot" role="img" aria-label={label} />;
}
