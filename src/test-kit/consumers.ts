import type { Consumer, RequestContext } from '../component/component.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import { type MetricBatch, countPoints } from '../model/metric.js';

/** Records every batch it is given. */
export class SinkConsumer implements Consumer {
  readonly batches: MetricBatch[] = [];
  readonly contexts: RequestContext[] = [];
  private waiters: { points: number; resolve: () => void }[] = [];

  constructor(readonly mutates = false) {}

  async consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    this.batches.push(batch);
    this.contexts.push(ctx);
    const n = this.points();
    this.waiters = this.waiters.filter((w) => (n >= w.points ? (w.resolve(), false) : true));
  }

  points(): number {
    return this.batches.reduce((a, b) => a + countPoints(b), 0);
  }

  /** Resolves once at least `points` data points have arrived (or rejects after `timeoutMs`). */
  waitFor(points: number, timeoutMs = 10_000): Promise<void> {
    if (this.points() >= points) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`sink has ${this.points()} points, waited for ${points}`)), timeoutMs);
      this.waiters.push({ points, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

/** Refuses everything with the given error. */
export class FailingConsumer implements Consumer {
  readonly mutates = false;
  calls = 0;
  constructor(readonly error: TributaryError = new TributaryError(Errors.EXPORT_PERMANENT, 'refused by test')) {}
  async consume(): Promise<void> {
    this.calls++;
    throw this.error;
  }
}

/** Accepts and drops. */
export const nopConsumer: Consumer = { mutates: false, consume: async () => undefined };

/** Holds each call until released, for backpressure and ordering tests. */
export class GateConsumer implements Consumer {
  readonly mutates = false;
  readonly pending: { batch: MetricBatch; release: (err?: unknown) => void }[] = [];
  async consume(batch: MetricBatch): Promise<void> {
    await new Promise<void>((resolve, reject) => this.pending.push({ batch, release: (err) => (err === undefined ? resolve() : reject(err)) }));
  }
}
