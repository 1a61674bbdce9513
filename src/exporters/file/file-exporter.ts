import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CreateSettings, Exporter, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { encodeOtlpJson } from '../../model/otlp/encode-json.js';
import { encodeOtlpProto } from '../../model/otlp/encode-proto.js';
import type { FileConfig } from './config.js';

/**
 * Writes each batch to a file as the Collector's file exporter does. An
 * export is acknowledged only after its bytes were handed to the operating
 * system, so an acknowledged batch survives the gateway's exit. Writes are
 * serialised to keep the order batches arrived in.
 */
export class FileExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private fh: FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly set: CreateSettings,
    private readonly config: FileConfig,
  ) {}

  start(): Promise<void> {
    return this.life.start(async () => {
      await mkdir(dirname(this.config.path), { recursive: true });
      this.fh = await open(this.config.path, this.config.append ? 'a' : 'w');
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      await this.chain;
      await this.fh?.sync().catch(() => undefined);
      await this.fh?.close();
      this.fh = undefined;
    });
  }

  consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    const fh = this.fh;
    if (fh === undefined) return Promise.reject(new TributaryError(Errors.SHUTTING_DOWN, 'file exporter is not running'));
    const bytes = this.encode(batch);
    const points = countPoints(batch);
    const write = this.chain.then(async () => {
      try {
        await fh.write(bytes);
      } catch (err) {
        throw new TributaryError(Errors.EXPORT_RETRYABLE, `cannot write ${this.config.path}: ${(err as Error).message}`, { cause: err });
      }
      this.set.metrics.exporterSent.inc({ exporter: this.set.id.toString() }, points);
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  private encode(batch: MetricBatch): Buffer {
    if (this.config.format === 'json') return Buffer.from(`${encodeOtlpJson(batch)}\n`);
    const msg = encodeOtlpProto(batch);
    const out = Buffer.allocUnsafe(4 + msg.length);
    out.writeUInt32BE(msg.length, 0);
    msg.copy(out, 4);
    return out;
  }
}
