/**
 * The Node.js flags the gateway runs with: in the image's ENTRYPOINT, in
 * `npm start`, in dist/cli.js's shebang, and when the tests and benchmarks
 * start it. src/node-flags.test.ts keeps those places in step with this list.
 *
 * --max-semi-space-size=64: the remote-write paths hold each batch for up to
 * the batch processor's timeout, long enough for V8's default 16 MiB young
 * generation to promote it, and the old generation then needs a full
 * collection every ~600 ms. With 64 MiB semi-spaces batches die young: under
 * the same OTLP -> batch -> remote-write load the gateway's CPU time fell by a
 * third (full collections 123 -> 3) for about 40 MiB more resident memory.
 * V8 grows the young generation only while it is busy, so an idle gateway
 * keeps its footprint.
 *
 * --heap-growing-percent=100: after an idle spell (exports come in bursts:
 * SDKs push every 10-60 s) V8's memory reducer sets the old generation's
 * limit just above its live size (~45 MiB, mostly code and modules), and
 * every few MiB promoted then cost a full collection: in bursts of 800k
 * points with 10 s gaps, 21 full collections and 1.5-3.3 CPU-s per burst.
 * Letting the old generation grow to twice its live size before collecting
 * made it 5 full collections and 1.5-1.6 CPU-s per burst (8.3 CPU-s in all
 * against 10.5), with the same resident set.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--heap-growing-percent=100'];
