/**
 * Lets other requests run. A 10 MB body can hold five million lines, seconds of
 * parsing and validation: the loops over them call this every few thousand
 * items so no request waits behind one ingestion for more than tens of ms.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
