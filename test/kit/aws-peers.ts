import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePorts, waitUntil } from './ports.js';
import { tempDir } from './gateway.js';

/**
 * AWS peers for end-to-end tests: one python3 process (sigv4-verifier.py
 * beside this file) running moto with IAM and signature checking on, and a
 * reverse proxy that verifies every request's SigV4 signature with botocore
 * before forwarding it. See the script's docstring for how checking is
 * switched on and what the proxy checks.
 *
 * Typical use:
 *   const aws = await startAwsPeers({ upstream: recorder.url });
 *   const { user, role } = await aws.createUserWithRole();
 *   // point STS at aws.motoUrl, send signed requests to aws.verifierUrl
 *   expect((await aws.stats()).verified).toBe(1);
 *   await aws.stop();
 */

export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AwsPeersOptions {
  /** Where verified requests are forwarded; default the in-process moto server. */
  readonly upstream?: string;
  /** Long-term keys the verifier accepts besides moto's IAM users and STS sessions. */
  readonly staticKeys?: readonly AwsKeys[];
  /** Also serve moto over HTTPS with a certificate from a throw-away CA (see tlsUrl, caFile). */
  readonly tls?: boolean;
  /** Allowed clock skew of x-amz-date in seconds (default 900, as AWS). */
  readonly maxSkewSeconds?: number;
}

export interface VerifierOutcome {
  readonly method: string;
  readonly path: string;
  readonly outcome: 'verified' | 'rejected';
  readonly accessKeyId?: string;
  readonly region?: string;
  readonly service?: string;
  readonly signedHeaders?: readonly string[];
  /** Where the key's secret came from. */
  readonly keyKind?: 'static' | 'iam-user' | 'sts';
  /** "header" when x-amz-content-sha256 was sent and matched the body. */
  readonly payloadHash?: 'header' | 'body';
  /** For rejections: the AWS error code and why. */
  readonly code?: string;
  readonly reason?: string;
}

export interface VerifierStats {
  readonly verified: number;
  readonly rejected: number;
  readonly byAccessKey: Readonly<Record<string, { verified: number; rejected: number }>>;
  readonly lastRejection: VerifierOutcome | null;
  /** The last 100 outcomes, oldest first. */
  readonly recent: readonly VerifierOutcome[];
  readonly upstream: string;
}

export interface UserWithRole {
  readonly account: string;
  readonly user: AwsKeys & { readonly name: string; readonly arn: string };
  /** A role the user may assume (sts:AssumeRole, with the external id if one was asked for); it may do roleActions. */
  readonly role: { readonly name: string; readonly arn: string; readonly externalId: string | null };
}

export interface UserWithRoleOptions {
  readonly userName?: string;
  readonly roleName?: string;
  /** IAM actions the role is allowed (default ["*"]). */
  readonly roleActions?: readonly string[];
  /** Require this sts:ExternalId in the role's trust policy. */
  readonly externalId?: string;
}

export interface AwsPeers {
  /** moto, IAM and signature checks on: point STS (and CloudWatch, Logs...) clients here. */
  readonly motoUrl: string;
  /** moto over HTTPS (with `tls: true`) on 127.0.0.1; its certificate names localhost, 127.0.0.1 and 127.0.0.2. */
  readonly tlsUrl?: string;
  /** PEM file of the CA that signed tlsUrl's certificate (with `tls: true`). */
  readonly caFile?: string;
  /** The verifying proxy: send signed requests here. */
  readonly verifierUrl: string;
  /** moto's account id. */
  readonly account: string;
  /** An IAM user allowed everything in moto, for setting up state (SDK or AWS CLI). */
  readonly admin: AwsKeys & { readonly arn: string };
  readonly pid: number;
  stats(): Promise<VerifierStats>;
  resetStats(): Promise<void>;
  /** Sends verified requests somewhere else from now on; undefined means moto. */
  setUpstream(url: string | undefined): Promise<void>;
  addStaticKey(keys: AwsKeys): Promise<void>;
  /** Creates, through moto's signature-checked IAM API, a user with access keys and a role it may assume. */
  createUserWithRole(opts?: UserWithRoleOptions): Promise<UserWithRole>;
  /** Environment for the AWS CLI or an SDK talking to moto with these keys (default: admin). */
  cliEnv(keys?: AwsKeys & { readonly sessionToken?: string }, region?: string): Record<string, string>;
  /** What the python process wrote (its ready line, then stderr). */
  logs(): string;
  /** Stops the process by its id; safe twice. */
  stop(): Promise<void>;
}

const SCRIPT = join(import.meta.dirname, 'sigv4-verifier.py');

const INSTALL_HINT =
  'The AWS test peers need python3 (3.9 or newer) with moto 5 and its server extras, boto3, botocore and cryptography. ' +
  'Debian 12 packages python3 but not moto: install python3 and pip with "apt-get install python3 python3-pip", ' +
  'then "pip install \'moto[server]>=5\' boto3".';

/** Throws with what to install when python3, moto, boto3 or botocore is missing. */
export function assertAwsPeersAvailable(): void {
  const probe = spawnSync('python3', ['-c', 'import moto, boto3, botocore, flask, werkzeug, cryptography; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) throw new Error(`python3 is not installed (${probe.error.message}). ${INSTALL_HINT}`);
  if (probe.status !== 0) throw new Error(`python3 cannot import what the AWS peers need:\n${probe.stderr.trim()}\n${INSTALL_HINT}`);
  const major = Number(probe.stdout.trim().split('.')[0]);
  if (!(major >= 5)) throw new Error(`moto ${probe.stdout.trim()} is too old; moto 5 or newer is needed. ${INSTALL_HINT}`);
}

interface ReadyLine {
  event: 'ready' | 'error';
  moto: string;
  motoTls?: string;
  caFile?: string;
  verifier: string;
  account: string;
  admin: AwsKeys & { arn: string };
  missing?: string;
  message?: string;
}

export async function startAwsPeers(opts: AwsPeersOptions = {}): Promise<AwsPeers> {
  assertAwsPeersAvailable();
  const [motoPort, verifierPort, tlsPort] = await freePorts(3);
  const args = [SCRIPT, '--host', '127.0.0.1', '--moto-port', String(motoPort), '--verifier-port', String(verifierPort)];
  if (opts.upstream !== undefined) args.push('--upstream', opts.upstream);
  for (const k of opts.staticKeys ?? []) args.push('--key', `${k.accessKeyId}:${k.secretAccessKey}`);
  if (opts.maxSkewSeconds !== undefined) args.push('--max-skew', String(opts.maxSkewSeconds));
  if (opts.tls === true) args.push('--tls-port', String(tlsPort), '--tls-dir', await tempDir('tributary-aws-tls-'));

  // The peers must not inherit the test's AWS settings or proxies.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|HTTPS?_PROXY$|NO_PROXY$)/i.test(k)) env[k] = v;
  }
  const proc: ChildProcess = spawn('python3', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  const kill = (): void => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
  };

  let closed = false;
  proc.on('close', () => (closed = true));
  let ready: ReadyLine | undefined;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const complete = out.slice(0, out.lastIndexOf('\n') + 1); // never parse half a line
      const line = complete.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        ready = JSON.parse(line) as ReadyLine;
        break;
      }
      if (closed) throw new Error(`sigv4-verifier.py exited during start (code ${proc.exitCode})`);
      if (Date.now() > deadline) throw new Error('sigv4-verifier.py did not get ready within 60 s');
      await new Promise((res) => setTimeout(res, 50));
    }
    if (ready.event === 'error') throw new Error(`sigv4-verifier.py cannot start: ${ready.message}. ${INSTALL_HINT}`);
    const answers = async (url: string): Promise<boolean> => {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    };
    await waitUntil(() => answers(`${ready!.verifier}/__verifier/stats`), 'the verifier port to answer', 20_000);
    await waitUntil(() => answers(`${ready!.moto}/moto-api/`), 'the moto port to answer', 20_000);
  } catch (e) {
    kill();
    throw new Error(`${(e as Error).message}\nits output:\n${out}${err}`);
  }
  const r = ready!;

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${r.verifier}/__verifier/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`verifier ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };

  let stopped: Promise<void> | undefined;
  return {
    motoUrl: r.moto,
    tlsUrl: r.motoTls,
    caFile: r.caFile,
    verifierUrl: r.verifier,
    account: r.account,
    admin: r.admin,
    pid: proc.pid!,
    stats: () => control<VerifierStats>('GET', 'stats'),
    resetStats: async () => void (await control('POST', 'reset')),
    setUpstream: async (url) => void (await control('POST', 'upstream', { url: url ?? null })),
    addStaticKey: async (k) => void (await control('POST', 'keys', k)),
    createUserWithRole: (o = {}) => control<UserWithRole>('POST', 'iam/user-with-role', o),
    cliEnv: (keys = r.admin, region = 'us-east-1') => ({
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      ...('sessionToken' in keys && keys.sessionToken !== undefined ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
      AWS_DEFAULT_REGION: region,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: r.moto,
    }),
    logs: () => out + err,
    stop: () => {
      stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGTERM');
        const t = setTimeout(kill, 5000);
        await exited;
        clearTimeout(t);
      })();
      return stopped;
    },
  };
}
