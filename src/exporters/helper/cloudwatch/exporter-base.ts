import type { AwsCredentialIdentity } from '@smithy/types';
import type { CreateSettings, Exporter, Host, RequestContext } from '../../../component/component.js';
import type { Env } from '../../../extensions/sigv4auth/aws-network.js';
import { Lifecycle } from '../../../component/lifecycle.js';
import { type MetricBatch, countPoints } from '../../../model/metric.js';
import { throttle } from '../../../telemetry/logger.js';
import { AwsConnection } from './aws-client.js';
import type { CloudWatchCommonConfig } from './config.js';
import { type CloudWatchParts, buildParts, notAccepting, queueFullError } from './pipeline.js';
import { type PoolJob, type SendOutcome, SenderPool } from './sender-pool.js';

/** How long shutdown lets the senders drain before dropping what is left. */
const DRAIN_BUDGET_MS = 20_000;

export interface CloudWatchDeps {
  readonly env?: Env;
  /** Replaces the AWS default credential chain when no authenticator is configured (tests). */
  readonly loadCredentials?: () => Promise<AwsCredentialIdentity>;
}

/**
 * What awscloudwatchmetrics and awsemf share around their own output: the
 * lifecycle, the translation parts, the sender pool and the intake check.
 * consume() refuses a batch (retryable) while the send queue is full,
 * before any per-series state changes; otherwise it translates the batch
 * into requests (the subclass's `requests`) and queues them. Subclasses
 * open their AWS SDK client in `open` and say whether they send at all
 * (awsemf with output_destination stdout does not).
 */
export abstract class CloudWatchExporterBase<J extends PoolJob, C extends CloudWatchCommonConfig> implements Exporter {
  readonly mutates = false;
  protected readonly id: string;
  protected readonly log: ReturnType<typeof throttle>;
  protected readonly parts: CloudWatchParts;
  /** Credentials and network path for the SDK client (helper/cloudwatch/aws-client.ts). */
  protected readonly connection: AwsConnection;
  private readonly life = new Lifecycle();
  private pool: SenderPool<J> | undefined;
  private stopSweeps: (() => void) | undefined;
  private accepting = false;

  constructor(
    protected readonly set: CreateSettings,
    protected readonly config: C,
    maxValues: number,
    private readonly api: string,
    private readonly destination: string,
    deps: CloudWatchDeps,
  ) {
    this.id = set.id.toString();
    this.log = throttle(set.logger);
    this.parts = buildParts(set, config, maxValues, this.log);
    this.connection = new AwsConnection(set, config, deps.env ?? process.env, deps.loadCredentials);
  }

  /** Opens the client (this.connection gives its settings); false when nothing is sent over the network. */
  protected abstract open(host: Host): Promise<boolean>;
  /** Closes the client (the connection is shut down after). */
  protected abstract close(): void;
  /** The requests for one batch (through this.parts.translator). */
  protected abstract requests(batch: MetricBatch): J[];
  protected abstract send(job: J, signal: AbortSignal): Promise<SendOutcome<J>>;
  protected abstract delivered(job: J): void;
  /** The job to send now, or undefined when nothing of it can still be sent. */
  protected refresh(job: J): J | undefined {
    return job;
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const c = this.config;
      if (await this.open(host)) {
        this.pool = new SenderPool<J>({
          exporter: this.id,
          api: this.api,
          queueSize: c.sending_queue.queue_size,
          consumers: c.sending_queue.num_consumers,
          ratePerSecond: c.max_requests_per_second,
          retry: c.retry_on_failure,
          metrics: this.set.metrics,
          log: this.log,
          send: (j, signal) => this.send(j, signal),
          delivered: (j) => this.delivered(j),
          refresh: (j) => this.refresh(j),
        });
        this.pool.start();
      }
      this.stopSweeps = this.parts.startSweeps();
      this.accepting = true;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.accepting = false;
      this.stopSweeps?.();
      await this.pool?.drain(DRAIN_BUDGET_MS);
      this.close();
      await this.connection.shutdown();
    });
  }

  async consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    if (!this.accepting) throw notAccepting(this.set);
    if (this.pool?.full === true) throw queueFullError(this.set, countPoints(batch), this.destination);
    const jobs = this.requests(batch);
    if (jobs.length > 0) this.pool?.enqueue(jobs);
  }

  /** A signal that aborts on shutdown's deadline or after the request timeout. */
  protected deadline(stop: AbortSignal): AbortSignal {
    return AbortSignal.any([stop, AbortSignal.timeout(this.config.timeout)]);
  }
}
