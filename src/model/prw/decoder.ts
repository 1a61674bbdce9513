import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type Assembled, assemble } from './assemble.js';
import { V1Decoder } from './decode-v1.js';
import { V2Decoder } from './decode-v2.js';
import { MetadataCache } from './metadata.js';
import { RequestState } from './request.js';
import { SeriesIndex } from './series-index.js';

export type { Assembled } from './assemble.js';

/**
 * Remote write bodies (already snappy-decompressed) into the model. One
 * instance per receiver: it holds that receiver's series table (label
 * bytes -> meaning) and the 1.0 metadata it has been sent. Not reentrant;
 * every call runs to completion synchronously.
 *
 * Malformed bytes and invalid data throw TributaryError with a 400 status
 * (TRIB_ERR_DECODE_PROTOBUF or TRIB_ERR_DATA_INVALID) whose message names
 * what is wrong; nothing of a failed request is kept.
 */
export class PrwDecoder {
  readonly metadata: MetadataCache;
  private readonly index: SeriesIndex;
  private readonly st = new RequestState();
  private readonly v1: V1Decoder;
  private readonly v2: V2Decoder;

  constructor(opts: { seriesCapacity?: number; metadataCapacity?: number } = {}) {
    this.index = new SeriesIndex(opts.seriesCapacity);
    this.metadata = new MetadataCache(opts.metadataCapacity);
    this.v1 = new V1Decoder(this.index, this.metadata, this.st);
    this.v2 = new V2Decoder(this.index, this.st);
  }

  /** A prometheus.WriteRequest (remote write 1.0). */
  decodeV1(body: Buffer): Assembled {
    return this.run(() => this.v1.decode(body), 'remote write 1.0 WriteRequest');
  }

  /** An io.prometheus.write.v2.Request (remote write 2.0). */
  decodeV2(body: Buffer): Assembled {
    return this.run(() => this.v2.decode(body), 'remote write 2.0 Request');
  }

  private run(decode: () => void, what: string): Assembled {
    this.st.begin();
    try {
      decode();
      return assemble(this.st, this.metadata, this.index);
    } catch (err) {
      if (err instanceof TributaryError) throw err;
      // Reads past the end of a truncated field surface as RangeError from DataView.
      if (err instanceof RangeError) throw new TributaryError(Errors.DECODE_PROTOBUF, `invalid ${what}: ${err.message}`, { cause: err });
      throw err;
    }
  }
}
