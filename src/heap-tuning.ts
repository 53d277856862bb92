import v8 from "node:v8";

/**
 * V8 lets the old generation grow to about four times what survived the last
 * full GC before collecting again. An export allocates rows, cells and CSV text
 * that die within a batch but are often promoted before they do, so a 1M-row
 * export's RSS swung up to ~330 MB around ~40 MB of live objects. Growing by half
 * instead keeps it under ~200 MB; measured with no cost to dashboard throughput
 * (BENCHMARKS.md). Imported first by the long-running entry points.
 */
v8.setFlagsFromString("--heap-growing-percent=50");
