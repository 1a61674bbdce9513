import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { CreateSettings, Host } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { tuneSdkClient } from '../helper/cloudwatch/aws-client.js';
import { type AwsVerdict, awsErrorCode, classifyAwsError } from '../helper/cloudwatch/aws-errors.js';
import { type CloudWatchDeps, CloudWatchExporterBase } from '../helper/cloudwatch/exporter-base.js';
import type { SendOutcome } from '../helper/cloudwatch/sender-pool.js';
import { type EmfConfig, initialValueOf } from './config.js';
import { EmfSink, type EmfEvent } from './emf.js';
import { type LogBatch, batchEvents } from './log-batches.js';
import { LogTargets } from './log-target.js';

/** EMF arrays carry at most 100 values ("Numeric array metric targets MUST NOT have more than 100 members"). */
const EMF_MAX_VALUES = 100;

export interface EmfDeps extends CloudWatchDeps {  /** Where output_destination: stdout writes (default: the process's standard output). */
  readonly stdout?: (line: string) => void;
}

type LogsClient = Pick<CloudWatchLogsClient, 'send' | 'destroy'>;

/**
 * The awsemf exporter: OpenTelemetry metrics -> CloudWatch Embedded Metric
 * Format log events -> CloudWatch Logs PutLogEvents (@aws-sdk/client-
 * cloudwatch-logs), or standard output. The translation, declarations,
 * rollup, cumulative -> delta, cost guard, queue and senders are those of
 * awscloudwatchmetrics (helper/cloudwatch/); what differs is the output:
 * events grouped by label set and time (emf.ts), batched per log stream
 * within PutLogEvents' limits (log-batches.ts). A missing log group or
 * stream is created on the first ResourceNotFoundException (the group with
 * log_retention and tags), then the request is sent again.
 */
export class EmfExporter extends CloudWatchExporterBase<LogBatch, EmfConfig> {
  private readonly sink: EmfSink;
  private client: LogsClient | undefined;

  constructor(
    set: CreateSettings,
    config: EmfConfig,
    private readonly deps: EmfDeps = {},
  ) {
    super(set, { ...config, initial_value: initialValueOf(config) }, EMF_MAX_VALUES, 'PutLogEvents', 'CloudWatch Logs', deps);
    const targets = new LogTargets(config.log_group_name, config.log_stream_name);
    this.sink = new EmfSink((r) => targets.of(r));
  }

  protected async open(host: Host): Promise<boolean> {
    if (this.config.output_destination === 'stdout') return false;
    const aws = await this.connection.start(host);
    const client = new CloudWatchLogsClient({ region: aws.region, endpoint: aws.endpoint, credentials: aws.credentials, requestHandler: aws.requestHandler, maxAttempts: 1 });
    tuneSdkClient(client.middlewareStack);
    this.client = client;
    return true;
  }

  protected close(): void {
    this.client?.destroy();
  }

  protected requests(batch: MetricBatch): LogBatch[] {
    this.sink.begin(Date.now());
    this.parts.translator.translate(batch, this.sink);
    const events = this.sink.finish();
    this.countConflicts();
    if (this.config.output_destination === 'stdout') {
      this.writeStdout(events);
      return [];
    }
    const { batches, tooLarge } = batchEvents(events);
    if (tooLarge.length > 0) this.dropped('event_too_large', tooLarge.reduce((a, e) => a + e.values, 0), 'an EMF event is larger than a CloudWatch Logs event may be (256 KiB)');
    return batches;
  }

  protected delivered(b: LogBatch): void {
    for (const [ns, n] of b.perNamespace) this.set.metrics.cloudwatchDatumsSent.inc({ exporter: this.id, namespace: ns }, n);
  }

  private countConflicts(): void {
    if (this.sink.conflicts === 0) return;
    this.dropped('name_equals_label', this.sink.conflicts, 'a metric name equals a label name; both would be the same member of the EMF event');
    this.sink.conflicts = 0;
  }

  private dropped(reason: string, values: number, msg: string): void {
    this.set.metrics.droppedPoints.inc({ component: `exporter/${this.id}`, reason }, values);
    this.log('warn', `drop:${reason}`, { reason, values }, msg);
  }

  private writeStdout(events: readonly EmfEvent[]): void {
    const write = this.deps.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
    let n = 0;
    const perNamespace = new Map<string, number>();
    for (const e of events) {
      write(e.message);
      n += e.values;
      perNamespace.set(e.label, (perNamespace.get(e.label) ?? 0) + e.values);
    }
    this.set.metrics.exporterSent.inc({ exporter: this.id }, n);
    for (const [ns, k] of perNamespace) this.set.metrics.cloudwatchDatumsSent.inc({ exporter: this.id, namespace: ns }, k);
  }

  protected async send(b: LogBatch, stop: AbortSignal): Promise<SendOutcome<LogBatch>> {
    for (let attempt = 0; ; attempt++) {
      const abortSignal = this.deadline(stop);
      try {
        const out = await this.client!.send(new PutLogEventsCommand({ logGroupName: b.group, logStreamName: b.stream, logEvents: b.events }), { abortSignal });
        const r = out.rejectedLogEventsInfo;
        if (r !== undefined) this.countRejected(b, r);
        return { kind: 'ok' };
      } catch (err) {
        if (awsErrorCode(err) === 'ResourceNotFoundException' && attempt === 0) {
          const failed = await this.createStream(b.group, b.stream, abortSignal);
          if (failed !== undefined) return failed;
          continue;
        }
        return classifyAwsError(err);
      }
    }
  }

  /** Creates the group (with retention and tags) and the stream; either may exist already. */
  private async createStream(group: string, stream: string, abortSignal: AbortSignal): Promise<AwsVerdict | undefined> {
    const c = this.config;
    const tags = Object.keys(c.tags).length > 0 ? c.tags : undefined;
    const exists = (err: unknown): boolean => awsErrorCode(err) === 'ResourceAlreadyExistsException';
    try {
      let created = true;
      await this.client!.send(new CreateLogGroupCommand({ logGroupName: group, tags }), { abortSignal }).catch((err: unknown) => {
        if (!exists(err)) throw err;
        created = false;
      });
      if (created) {
        this.set.logger.info({ exporter: this.id, logGroup: group, retentionDays: c.log_retention }, 'awsemf: created the CloudWatch Logs group');
        if (c.log_retention > 0) await this.client!.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: c.log_retention }), { abortSignal });
      }
      await this.client!.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }), { abortSignal }).catch((err: unknown) => {
        if (!exists(err)) throw err;
      });
      return undefined;
    } catch (err) {
      return classifyAwsError(err);
    }
  }

  private countRejected(b: LogBatch, r: { tooNewLogEventStartIndex?: number; tooOldLogEventEndIndex?: number; expiredLogEventEndIndex?: number }): void {
    // Indexes into the batch; the events rejected are not extracted as metrics. Count them as events (one value each at least).
    const tooNew = r.tooNewLogEventStartIndex !== undefined ? b.events.length - r.tooNewLogEventStartIndex : 0;
    const tooOld = Math.max(r.tooOldLogEventEndIndex ?? -1, r.expiredLogEventEndIndex ?? -1) + 1;
    if (tooNew + tooOld > 0) this.dropped('log_event_rejected', tooNew + tooOld, 'CloudWatch Logs rejected events as too new, too old or expired (see the log group\'s retention)');
  }
}
