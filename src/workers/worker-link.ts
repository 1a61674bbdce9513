import type { Registry } from 'prom-client';
import type { WorkerContext } from '../component/workers.js';
import { PeerLinks } from './peer-links.js';
import { type IpcEnd, type ToPrimary, type ToWorker, isTw, post } from './protocol.js';

/**
 * A worker's side of the cluster: tells the primary it is ready (with the
 * address of its peer link), learns the other workers' link addresses,
 * forwards to and serves forwards from the other workers over those links,
 * and answers the primary's requests for this worker's metrics (which the
 * primary aggregates on the one telemetry port).
 */
export class WorkerLink implements WorkerContext {
  private readonly links: PeerLinks;
  private registry: Registry | undefined;
  private readonly onMessage = (m: unknown): void => this.receive(m);

  constructor(
    readonly index: number,
    readonly count: number,
    token: string,
    private readonly channel: IpcEnd<ToPrimary> & { on(ev: 'message', fn: (m: unknown) => void): unknown; off(ev: 'message', fn: (m: unknown) => void): unknown } = process as never,
  ) {
    this.links = new PeerLinks(index, token);
    this.channel.on('message', this.onMessage);
  }

  /** The registry whose metrics the primary collects. */
  serveMetrics(registry: Registry): void {
    this.registry = registry;
  }

  /** Opens this worker's link and tells the primary it runs. */
  async ready(): Promise<void> {
    const link = await this.links.listen();
    post(this.channel, { tw: 'ready', link });
  }

  forward(to: number, channel: string, key: number, payload: Uint8Array): Promise<void> {
    return this.links.forward(to, channel, key, payload);
  }

  handle(channel: string, fn: (key: number, payload: Buffer) => Promise<void>): () => void {
    return this.links.handle(channel, fn);
  }

  close(): void {
    this.channel.off('message', this.onMessage);
    this.links.close();
  }

  private receive(raw: unknown): void {
    if (!isTw<ToWorker>(raw)) return;
    const m = raw;
    switch (m.tw) {
      case 'peers':
        this.links.setPeers(m.links);
        return;
      case 'metrics-req': {
        const r = this.registry;
        (r === undefined ? Promise.resolve([]) : r.getMetricsAsJSON()).then(
          (metrics) => post(this.channel, { tw: 'metrics', id: m.id, metrics }),
          () => post(this.channel, { tw: 'metrics', id: m.id, metrics: [] }),
        );
        return;
      }
    }
  }
}
