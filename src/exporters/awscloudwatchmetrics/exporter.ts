import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { CreateSettings, Host } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { LIMITS } from '../../receivers/putmetricdata/limits.js';
import { type AwsClientSettings, tuneSdkClient } from '../helper/cloudwatch/aws-client.js';
import { awsErrorCode, classifyAwsError } from '../helper/cloudwatch/aws-errors.js';
import { type CloudWatchDeps, CloudWatchExporterBase } from '../helper/cloudwatch/exporter-base.js';
import type { SendOutcome } from '../helper/cloudwatch/sender-pool.js';
import type { CwMetricsConfig } from './config.js';
import { PutMetricDataJsonProtocol } from './json-protocol.js';
import { DatumPacker, type PmdRequest, halves, withoutOlderThan } from './datums.js';

/** Data older than this when a request is (re)sent are removed from it: CloudWatch would refuse the whole request. */
const SEND_MAX_AGE_MS = LIMITS.maxPastMs - 600_000;

/** Codes with which CloudWatch refuses a request for one bad datum: split to find it and keep the rest. */
const SPLITTABLE = new Set(['InvalidParameterValue', 'InvalidParameterValueException', 'InvalidParameterCombination', 'InvalidParameterCombinationException', 'MissingParameter', 'MissingRequiredParameterException']);

type Client = Pick<CloudWatchClient, 'send' | 'destroy'>;

export interface CwMetricsDeps extends CloudWatchDeps {  /** Replaces the SDK client (benchmarks measure the path without it). */
  readonly client?: Client;
}

/**
 * The SDK client as the exporter uses it: no retries of its own (the
 * sender pool retries), gzip per `compression`, the PutMetricData body
 * written by json-protocol.ts, and the middleware changes of
 * tuneSdkClient.
 */
export function cloudWatchClient(aws: AwsClientSettings, compression: 'gzip' | 'none'): CloudWatchClient {
  const client = new CloudWatchClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: aws.credentials,
    requestHandler: aws.requestHandler,
    maxAttempts: 1,
    disableRequestCompression: compression === 'none',
    protocol: PutMetricDataJsonProtocol,
  });
  tuneSdkClient(client.middlewareStack);
  return client;
}

/**
 * The awscloudwatchmetrics exporter: OpenTelemetry metrics -> CloudWatch
 * PutMetricData through @aws-sdk/client-cloudwatch. Each batch is
 * translated (helper/cloudwatch/translate.ts), packed per namespace into
 * requests within the API's limits (datums.ts) and queued; parallel
 * senders deliver them within the request-rate budget, retrying throttling
 * and outages, and split a request CloudWatch refuses for one bad datum.
 */
export class CwMetricsExporter extends CloudWatchExporterBase<PmdRequest, CwMetricsConfig> {
  private readonly packer = new DatumPacker();
  private client: Client | undefined;

  constructor(
    set: CreateSettings,
    config: CwMetricsConfig,
    private readonly deps: CwMetricsDeps = {},
  ) {
    super(set, config, LIMITS.maxValues, 'PutMetricData', 'CloudWatch', deps);
  }

  protected async open(host: Host): Promise<boolean> {
    if (this.deps.client !== undefined) {
      this.client = this.deps.client;
      return true;
    }
    this.client = cloudWatchClient(await this.connection.start(host), this.config.compression);
    return true;
  }

  protected close(): void {
    this.client?.destroy();
  }

  protected requests(batch: MetricBatch): PmdRequest[] {
    this.packer.begin(Date.now());
    this.parts.translator.translate(batch, this.packer);
    return this.packer.finish();
  }

  protected delivered(r: PmdRequest): void {
    this.set.metrics.cloudwatchDatumsSent.inc({ exporter: this.id, namespace: r.label }, r.items);
  }

  protected override refresh(r: PmdRequest): PmdRequest | undefined {
    const { request, removed } = withoutOlderThan(r, Date.now() - SEND_MAX_AGE_MS);
    if (removed > 0) this.set.metrics.droppedPoints.inc({ component: `exporter/${this.id}`, reason: 'timestamp_out_of_range' }, removed);
    return request;
  }

  protected async send(r: PmdRequest, stop: AbortSignal): Promise<SendOutcome<PmdRequest>> {
    try {
      await this.client!.send(new PutMetricDataCommand({ Namespace: r.namespace, MetricData: r.data }), { abortSignal: this.deadline(stop) });
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
