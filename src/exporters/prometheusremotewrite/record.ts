/**
 * A queued request: a 4-byte little-endian count of the samples and
 * histograms it carries (for counters), then the snappy-compressed
 * WriteRequest, exactly as it goes on the wire. Persistent queues store
 * this form, so a replay after restart sends the same bytes.
 */
export function encodeRecord(items: number, compressed: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + compressed.length);
  out.writeUInt32LE(items, 0);
  compressed.copy(out, 4);
  return out;
}

export function decodeRecord(record: Buffer): { items: number; body: Buffer } {
  return { items: record.readUInt32LE(0), body: record.subarray(4) };
}
