import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { CreateSettings, Exporter, Host, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { Env } from '../../extensions/sigv4auth/aws-network.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { LIMITS } from '../../receivers/putmetricdata/limits.js';
import { throttle } from '../../telemetry/logger.js';
import { AwsConnection } from '../helper/cloudwatch/aws-client.js';
import { awsErrorCode, classifyAwsError } from '../helper/cloudwatch/aws-errors.js';
import { type CloudWatchParts, buildParts, notAccepting, queueFullError } from '../helper/cloudwatch/pipeline.js';
import { type SendOutcome, SenderPool } from '../helper/cloudwatch/sender-pool.js';
import type { CwMetricsConfig } from './config.js';
import { DatumPacker, type PmdRequest, halves, withoutOlderThan } from './datums.js';

/** How long shutdown lets the senders drain before dropping what is left. */
const DRAIN_BUDGET_MS = 20_000;
/** Data older than this when a request is (re)sent are removed from it: CloudWatch would refuse the whole request. */
const SEND_MAX_AGE_MS = LIMITS.maxPastMs - 600_000;

/** Codes with which CloudWatch refuses a request for one bad datum: split to find it and keep the rest. */
const SPLITTABLE = new Set(['InvalidParameterValue', 'InvalidParameterValueException', 'InvalidParameterCombination', 'InvalidParameterCombinationException', 'MissingParameter', 'MissingRequiredParameterException']);

export interface CwMetricsDeps {
  readonly env?: Env;
  /** Replaces the AWS default credential chain when no authenticator is configured (tests). */
  readonly loadCredentials?: () => Promise<AwsCredentialIdentity>;
  /** Replaces the SDK client (benchmarks measure the path without it). */
  readonly client?: Pick<CloudWatchClient, 'send' | 'destroy'>;
}

/**
 * The awscloudwatchmetrics exporter: OpenTelemetry metrics -> CloudWatch
 * PutMetricData through @aws-sdk/client-cloudwatch. consume() translates
 * the batch (helper/cloudwatch/translate.ts), packs the data into requests
 * per namespace within the API's limits and queues them; parallel senders
 * deliver them within the request-rate budget, retrying throttling and
 * outages. A full queue refuses the batch (retryable) before any
 * per-series state changes.
 */
export class CwMetricsExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly id: string;
  private readonly log;
  private readonly parts: CloudWatchParts;
  private readonly packer = new DatumPacker();
  private readonly connection: AwsConnection;
  private client: Pick<CloudWatchClient, 'send' | 'destroy'> | undefined;
  private pool: SenderPool<PmdRequest> | undefined;
  private stopSweeps: (() => void) | undefined;
  private accepting = false;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: CwMetricsConfig,
    private readonly deps: CwMetricsDeps = {},
  ) {
    this.id = set.id.toString();
    this.log = throttle(set.logger);
    this.parts = buildParts(set, config, LIMITS.maxValues, this.log);
    this.connection = new AwsConnection(set, config, deps.env ?? process.env, deps.loadCredentials);
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const c = this.config;
      if (this.deps.client !== undefined) this.client = this.deps.client;
      else {
        const aws = await this.connection.start(host);
        this.client = new CloudWatchClient({
          region: aws.region,
          endpoint: aws.endpoint,
          credentials: aws.credentials,
          requestHandler: aws.requestHandler,
          maxAttempts: 1,
          disableRequestCompression: c.compression === 'none',
        });
      }
      this.pool = new SenderPool<PmdRequest>({
        exporter: this.id,
        api: 'PutMetricData',
        queueSize: c.sending_queue.queue_size,
        consumers: c.sending_queue.num_consumers,
        ratePerSecond: c.max_requests_per_second,
        retry: c.retry_on_failure,
        metrics: this.set.metrics,
        log: this.log,
        send: (r, signal) => this.send(r, signal),
        delivered: (r) => this.set.metrics.cloudwatchDatumsSent.inc({ exporter: this.id, namespace: r.label }, r.items),
        refresh: (r) => this.refresh(r),
      });
      this.pool.start();
      this.stopSweeps = this.parts.startSweeps();
      this.accepting = true;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.accepting = false;
      this.stopSweeps?.();
      await this.pool?.drain(DRAIN_BUDGET_MS);
      this.client?.destroy();
      await this.connection.shutdown();
    });
  }

  async consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    if (!this.accepting || this.pool === undefined) throw notAccepting(this.set);
    if (this.pool.full) throw queueFullError(this.set, countPoints(batch), 'CloudWatch');
    this.packer.begin(Date.now());
    this.parts.translator.translate(batch, this.packer);
    this.pool.enqueue(this.packer.finish());
  }

  private refresh(r: PmdRequest): PmdRequest | undefined {
    const { request, removed } = withoutOlderThan(r, Date.now() - SEND_MAX_AGE_MS);
    if (removed > 0) this.set.metrics.droppedPoints.inc({ component: `exporter/${this.id}`, reason: 'timestamp_out_of_range' }, removed);
    return request;
  }

  private async send(r: PmdRequest, stop: AbortSignal): Promise<SendOutcome<PmdRequest>> {
    try {
      await this.client!.send(new PutMetricDataCommand({ Namespace: r.namespace, MetricData: r.data }), { abortSignal: AbortSignal.any([stop, AbortSignal.timeout(this.config.timeout)]) });
      return { kind: 'ok' };
    } catch (err) {
      const v = classifyAwsError(err);
      if (v.kind === 'permanent' && SPLITTABLE.has(awsErrorCode(err))) {
        const parts = halves(r);
        if (parts !== undefined) return { kind: 'split', parts, reason: v.reason, detail: v.detail };
      }
      return v;
    }
  }
}
