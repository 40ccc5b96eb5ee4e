import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  unit: string;
}

/**
 * A uPlot line chart over days, sized to its container (so it fits 390 px as well as 1280 px). uPlot draws to a
 * canvas, which screen readers cannot read: `summary` is the same data as text, for them and for the tests.
 */
export function LineChart({ title, days, series, summary, range }: { title: string; days: number[]; series: Series[]; summary: string; range?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height: 220,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, value: (_: uPlot, v: number | null) => (v == null ? "—" : `${Math.round(v)} ${s.unit}`) }))],
      axes: [{}, { size: 56 }],
      scales: { x: { time: true }, ...(range && { y: { range } }) },
    };
    const plot = new uPlot(opts, [days, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
