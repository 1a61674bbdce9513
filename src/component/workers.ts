/**
 * What a component sees of the worker processes (service::workers): which
 * worker it runs in, how many there are, and a way to hand work to another
 * worker. Exporters that must keep one owner per series (remote write)
 * forward the requests of series owned by another worker to it; see
 * docs/workers.md. Absent (Host.worker() undefined) in a single process.
 */
export interface WorkerContext {
  /** 0 .. count-1; stable across restarts of the worker in that slot. */
  readonly index: number;
  readonly count: number;
  /**
   * Hands `payload` (bytes, with a number `key` beside them) to the handler
   * for `channel` in worker `to`; resolves once that handler has resolved,
   * rejects with a TributaryError if it rejected, if the worker is not
   * running or if no answer came within the forward timeout.
   */
  forward(to: number, channel: string, key: number, payload: Uint8Array): Promise<void>;
  /** Serves forward() calls for `channel` (the handler owns `payload`); returns a function that stops serving. */
  handle(channel: string, fn: (key: number, payload: Buffer) => Promise<void>): () => void;
}
