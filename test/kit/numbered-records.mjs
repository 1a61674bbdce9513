/**
 * Records for the persistent queue crash test: a cycle and a sequence number,
 * then bytes derived from both, so that any damaged or misplaced byte shows.
 * Plain JavaScript so that the child process can import it without a build.
 */

const recordLength = (seq) => 64 + ((seq * 7919) % 8000);
const byteAt = (cycle, seq, i) => (cycle * 31 + seq + i) & 0xff;

/** @param {number} cycle @param {number} seq @returns {Buffer} */
export function makeRecord(cycle, seq) {
  const b = Buffer.allocUnsafe(recordLength(seq));
  b.writeUInt32BE(cycle, 0);
  b.writeUInt32BE(seq, 4);
  for (let i = 8; i < b.length; i++) b[i] = byteAt(cycle, seq, i);
  return b;
}

/** @param {Buffer} b @returns {{ cycle: number, seq: number } | undefined} undefined if the record is damaged */
export function readRecord(b) {
  if (b.length < 8) return undefined;
  const cycle = b.readUInt32BE(0);
  const seq = b.readUInt32BE(4);
  if (b.length !== recordLength(seq)) return undefined;
  for (let i = 8; i < b.length; i++) if (b[i] !== byteAt(cycle, seq, i)) return undefined;
  return { cycle, seq };
}
