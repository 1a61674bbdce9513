import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * Request body decompression with the size limit applied to the output, so
 * a small body that inflates to gigabytes (a "bomb") is refused with 413
 * after at most `limit` bytes of work. Runs on the libuv thread pool.
 */

type Inflate = (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

const gunzip = promisify(zlib.gunzip) as Inflate;
const inflate = promisify(zlib.inflate) as Inflate;
const zstd = (zlib as unknown as { zstdDecompress?: (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void }).zstdDecompress;
const zstdDecompress = zstd === undefined ? undefined : (promisify(zstd) as unknown as Inflate);

const DECODERS: Record<string, Inflate | undefined> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: inflate,
  zstd: zstdDecompress,
};

export function supportedEncodings(): string[] {
  return ['identity', ...Object.keys(DECODERS).filter((k) => DECODERS[k] !== undefined)];
}

export function tooLarge(limit: number, what = 'request body'): TributaryError {
  return new TributaryError(Errors.BODY_TOO_LARGE, `${what} exceeds the limit of ${limit} bytes (max_request_body_size)`);
}

/**
 * Returns the body decoded per Content-Encoding (a single coding; "identity"
 * or none means as is), or throws 413 / 400 / 415 errors.
 */
export async function decompressBody(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') {
    if (body.length > limit) throw tooLarge(limit);
    return body;
  }
  const fn = DECODERS[enc];
  if (fn === undefined) {
    throw new TributaryError(Errors.ENCODING_UNSUPPORTED, `Content-Encoding "${contentEncoding}" is not supported; use one of: ${supportedEncodings().join(', ')}`);
  }
  try {
    return await fn(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw tooLarge(limit, 'decompressed request body');
    }
    throw new TributaryError(Errors.DECOMPRESS, `cannot decompress the body as ${enc}: ${(err as Error).message}`, { cause: err });
  }
}
