import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { builtinRegistry } from './components.js';
import { ConfigError } from './config/config-error.js';
import { type GatewayConfig, buildGatewayConfig } from './config/gateway-config.js';
import { loadConfig } from './config/load.js';
import type { ConfigSource } from './config/sources/index.js';
import { defaultConfigYaml } from './default-config.js';
import { TributaryError } from './errors/tributary-error.js';
import { Service } from './service.js';
import { createLogger } from './telemetry/logger.js';
import { WORKER_COUNT_ENV, WORKER_INDEX_ENV, WORKER_LINK_TOKEN_ENV } from './workers/protocol.js';
import { runPrimary } from './workers/primary.js';
import { workerCount } from './workers/state-check.js';
import { WorkerLink } from './workers/worker-link.js';
import { VERSION } from './version.js';

/**
 * load config -> build graph -> start; SIGTERM/SIGINT -> drain -> exit 0.
 * `main` returns the exit code; cli.ts is the process entry.
 */

const USAGE = `Usage:
  tributary [--config <uri>]...            run the gateway (no --config: the embedded default)
  tributary validate --config <uri>...     check a configuration and exit (0 valid, 1 invalid)
  tributary components                     list the component types this build has

A --config <uri> is a file path, file:<path>, yaml:<inline YAML>, env:<VAR>,
ssm:<parameter-name>, s3://<bucket>/<key> or https://<url>; several are
merged in order. --set <path>=<value> (repeatable) sets one value on
top, with :: between keys, as the Collector does:
  --set processors::batch::timeout=2s`;

export interface MainIO {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly sources?: readonly ConfigSource[];
}

const defaultIO: MainIO = {
  env: process.env,
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};

/** One --set value as a YAML document: "a::b::c=v" -> {a: {b: {c: v}}} (v read as YAML). */
export function setToYaml(set: string): string {
  const eq = set.indexOf('=');
  if (eq <= 0) throw new ConfigError([`--set ${set}: expected <path>=<value>, with :: between keys`]);
  const path = set.slice(0, eq).split('::');
  let value: unknown = parseYaml(set.slice(eq + 1));
  for (let i = path.length - 1; i >= 0; i--) value = { [path[i]]: value };
  return `yaml:${JSON.stringify(value)}`;
}

export async function resolveConfig(uris: readonly string[], io: MainIO, sets: readonly string[] = []): Promise<{ config: GatewayConfig; warnings: readonly string[] }> {
  const list = [...(uris.length > 0 ? uris : [`yaml:${defaultConfigYaml(io.env)}`]), ...sets.map(setToYaml)];
  const loaded = await loadConfig(list, { env: io.env, sources: io.sources });
  return { config: buildGatewayConfig(loaded.raw, builtinRegistry()), warnings: loaded.warnings };
}

export async function main(argv: readonly string[], io: MainIO = defaultIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', multiple: true, short: 'c' },
        set: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.version) {
    io.out(`tributary ${VERSION}`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  const uris = values.config ?? [];
  const sets = values.set ?? [];
  switch (command) {
    case 'validate':
      return validate(uris, sets, io);
    case 'components':
      return components(io);
    case 'run':
      return run(uris, sets, io);
    default:
      io.err(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function validate(uris: readonly string[], sets: readonly string[], io: MainIO): Promise<number> {
  if (uris.length === 0) {
    io.err('validate needs at least one --config');
    return 2;
  }
  try {
    const { warnings } = await resolveConfig(uris, io, sets);
    for (const w of warnings) io.err(`warning: ${w}`);
    io.out('configuration is valid');
    return 0;
  } catch (err) {
    io.err(describeError(err));
    return 1;
  }
}

function components(io: MainIO): number {
  const r = builtinRegistry();
  for (const kind of ['receiver', 'processor', 'exporter', 'extension'] as const) io.out(`${kind}s: ${r.types(kind).join(', ')}`);
  return 0;
}

async function run(uris: readonly string[], sets: readonly string[], io: MainIO): Promise<number> {
  let service: Service;
  let worker: WorkerLink | undefined;
  try {
    const { config, warnings } = await resolveConfig(uris, io, sets);
    const count = workerCount(config.service.workers);
    if (cluster.isPrimary && count > 1) {
      const logger = createLogger({ level: config.service.telemetry.logs.level });
      for (const w of warnings) logger.warn(w);
      return await runPrimary(config, { count, logger });
    }
    // A worker forked by the primary (workers/primary.ts) learns its slot from the environment.
    if (cluster.isWorker && io.env[WORKER_INDEX_ENV] !== undefined) {
      worker = new WorkerLink(Number(io.env[WORKER_INDEX_ENV]), Number(io.env[WORKER_COUNT_ENV]), io.env[WORKER_LINK_TOKEN_ENV] ?? '');
    }
    const logger = worker === undefined ? undefined : createLogger({ level: config.service.telemetry.logs.level, base: { service: 'tributary', worker: worker.index } });
    service = new Service(config, { logger, worker });
    if (worker === undefined) for (const w of warnings) service.logger.warn(w);
    await service.start();
    await worker?.ready();
  } catch (err) {
    io.err(describeError(err));
    return 1;
  }
  // Nothing after startup crashes the process: log and carry on.
  process.on('uncaughtException', (err) => service.logger.error({ err: err.message, stack: err.stack }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => service.logger.error({ err: String(err) }, 'unhandled promise rejection'));
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (sig: string): void => {
      signals++;
      if (signals > 1) {
        service.logger.warn({ signal: sig }, 'second signal: exiting without waiting for draining');
        resolve(1);
        return;
      }
      service.logger.info({ signal: sig }, 'shutting down: intake stopped, draining');
      service.shutdown().then(
        () => {
          worker?.close();
          resolve(0);
        },
        () => resolve(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    // Ctrl-C signals the whole process group; a worker waits for the primary's SIGTERM instead, so that it drains once.
    process.on('SIGINT', () => (worker === undefined ? stop('SIGINT') : undefined));
    // A worker whose primary is gone (killed) drains and exits rather than running unsupervised.
    if (worker !== undefined) process.on('disconnect', () => stop('primary gone'));
  });
}

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof TributaryError) return `${err.code}: ${err.message}`;
  return `error: ${(err as Error).message ?? String(err)}`;
}
