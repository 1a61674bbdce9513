import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import { FWD, FrameReader, HELLO, REPLY, fwdHeader, helloFrame, parseFwd, parseReply, replyFrame } from './peer-frames.js';
import { fromWire, toWire } from './protocol.js';

/** How long a forward waits for the owning worker's answer before the caller gets a retryable error. */
const FORWARD_TIMEOUT_MS = 30_000;
/** A sanity bound on one frame; remote-write requests are a few MB at most. */
const MAX_FRAME_BYTES = 1 << 30;

export type PeerHandler = (key: number, payload: Buffer) => Promise<void>;

interface Pending {
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface Client {
  readonly address: string;
  readonly socket: Socket;
  readonly pending: Map<number, Pending>;
}

/**
 * Direct links between worker processes for forwards (service::workers):
 * each worker listens on a local socket (Linux: the abstract namespace, so
 * nothing is left on disk when a worker is killed), the primary tells every
 * worker the others' addresses, and a forward goes straight to its owner
 * as raw bytes. Through the cluster IPC channel a forward cost two
 * serializations and two extra copies in the primary, and made the primary
 * a bottleneck; here it is one write and one read. A connection starts with
 * the token the primary gave every worker, so another local process cannot
 * inject data.
 */
export class PeerLinks {
  private server: Server | undefined;
  private address: string | undefined;
  private peers: readonly (string | null)[] = [];
  private readonly clients = new Map<number, Client>();
  private readonly handlers = new Map<string, PeerHandler>();
  private readonly inbound = new Set<Socket>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly index: number,
    private readonly token: string,
  ) {}

  /** Starts serving; resolves to the address the other workers connect to. */
  listen(): Promise<string> {
    const name = `tributary-${process.pid}-${this.index}-${randomBytes(6).toString('hex')}.sock`;
    const address = process.platform === 'linux' ? `\0${name}` : join(tmpdir(), name);
    const server = createServer((s) => this.serve(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, () => {
        server.off('error', reject);
        this.address = address;
        resolve(address);
      });
    });
  }

  /** The other workers' addresses by index (null: not running). A changed address drops the old link. */
  setPeers(addresses: readonly (string | null)[]): void {
    this.peers = addresses;
    for (const [to, c] of this.clients) if (addresses[to] !== c.address) c.socket.destroy();
  }

  handle(channel: string, fn: PeerHandler): () => void {
    this.handlers.set(channel, fn);
    return () => {
      if (this.handlers.get(channel) === fn) this.handlers.delete(channel);
    };
  }

  forward(to: number, channel: string, key: number, payload: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TributaryError(Errors.SHUTTING_DOWN, 'worker is stopping'));
    const address = this.peers[to];
    if (address === undefined || address === null) return Promise.reject(unavailable(`worker ${to} is not running`));
    const c = this.client(to, address);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.pending.delete(id);
        reject(unavailable(`worker ${to} did not answer within ${FORWARD_TIMEOUT_MS / 1000}s`));
      }, FORWARD_TIMEOUT_MS);
      c.pending.set(id, { resolve, reject, timer });
      c.socket.cork();
      c.socket.write(fwdHeader(id, key, channel, payload.byteLength));
      c.socket.write(payload);
      c.socket.uncork();
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.socket.destroy();
    for (const s of this.inbound) s.destroy();
    this.server?.close();
    if (this.address !== undefined && !this.address.startsWith('\0')) rmSync(this.address, { force: true });
  }

  private client(to: number, address: string): Client {
    const have = this.clients.get(to);
    if (have !== undefined && have.address === address && !have.socket.destroyed) return have;
    const socket = connect(address);
    socket.setNoDelay(true);
    const c: Client = { address, socket, pending: new Map() };
    this.clients.set(to, c);
    socket.write(helloFrame(this.token));
    const reader = new FrameReader(MAX_FRAME_BYTES, (f) => {
      if (f[0] !== REPLY) throw new Error(`peer link: unexpected frame kind ${f[0]} from worker ${to}`);
      const { id, errorJson } = parseReply(f);
      const p = c.pending.get(id);
      if (p === undefined) return;
      c.pending.delete(id);
      clearTimeout(p.timer);
      if (errorJson === undefined) p.resolve();
      else p.reject(fromWire(JSON.parse(errorJson) as Parameters<typeof fromWire>[0]));
    });
    readFrames(socket, reader);
    socket.on('close', () => {
      if (this.clients.get(to) === c) this.clients.delete(to);
      for (const p of c.pending.values()) {
        clearTimeout(p.timer);
        p.reject(unavailable(`the link to worker ${to} closed before it answered (the worker exited or is restarting)`));
      }
      c.pending.clear();
    });
    return c;
  }

  private serve(s: Socket): void {
    this.inbound.add(s);
    s.setNoDelay(true);
    let trusted = false;
    const want = Buffer.from(this.token, 'utf8');
    const reader = new FrameReader(MAX_FRAME_BYTES, (f, owned) => {
      if (!trusted) {
        const got = f.subarray(1);
        if (f[0] !== HELLO || got.length !== want.length || !timingSafeEqual(got, want)) throw new Error('peer link: connection without the token');
        trusted = true;
        return;
      }
      if (f[0] !== FWD) throw new Error(`peer link: unexpected frame kind ${f[0]}`);
      const m = parseFwd(f, owned);
      const fn = this.handlers.get(m.channel);
      let done: Promise<void>;
      if (fn === undefined) done = Promise.reject(unavailable(`worker ${this.index} does not serve ${m.channel} (starting or stopping)`));
      else {
        try {
          done = fn(m.key, m.payload);
        } catch (err) {
          done = Promise.reject(err);
        }
      }
      done.then(
        () => !s.destroyed && s.write(replyFrame(m.id, undefined)),
        (err: unknown) => !s.destroyed && s.write(replyFrame(m.id, JSON.stringify(toWire(err)))),
      );
    });
    readFrames(s, reader);
    s.on('close', () => this.inbound.delete(s));
  }
}

/** Feeds a socket's bytes to `reader`; a malformed stream (or a frame handler's throw) ends the connection. */
function readFrames(s: Socket, reader: FrameReader): void {
  s.on('data', (d: Buffer) => {
    try {
      reader.push(d);
    } catch (err) {
      s.destroy(err as Error);
    }
  });
  s.on('error', () => undefined);
}

function unavailable(message: string): TributaryError {
  return new TributaryError(Errors.WORKER_UNAVAILABLE, message, { retryAfterMs: 1000 });
}
