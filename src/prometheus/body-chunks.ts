/**
 * Feeds a response body (an axios `stream` response's data) to `consume` chunk by chunk, so a
 * large answer is folded as it arrives instead of being held whole. The deadline is enforced here
 * as well as by axios, which stops watching its signal once it has rejected a status (a 503 after
 * its retries). A connection lost mid-body becomes `lost(cause)`, a transport error; an error
 * thrown by `consume` stops the read, releases the connection and is passed on unchanged.
 */
export async function forEachChunk(
  data: unknown,
  signal: AbortSignal,
  consume: (chunk: Buffer) => void,
  lost: (cause: unknown) => unknown,
): Promise<void> {
  if (typeof data === "string" || Buffer.isBuffer(data)) {
    consume(Buffer.from(data));
    return;
  }
  const stream = data as AsyncIterable<Buffer> & { destroy?: (error?: Error) => void };
  const stop = () => stream.destroy?.(new Error("deadline passed while reading the body"));
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const iterator = stream[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await iterator.next();
      } catch (cause) {
        throw lost(cause);
      }
      if (next.done) return;
      try {
        consume(next.value);
      } catch (error) {
        await iterator.return?.();
        throw error;
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
}
