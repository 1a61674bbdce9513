import { COLLECTOR_COMPONENTS } from '../component/collector-components.js';
import { ComponentId, type Factory, KINDS, type Kind } from '../component/component.js';
import type { Registry } from '../component/registry.js';
import { ConfigError } from './config-error.js';
import { deepFreeze } from './merge.js';
import { describe, formatIssues } from './schema.js';
import { type PipelineSection, type ServiceSection, serviceSchema } from './service-schema.js';
import { perWorkerStateProblems } from '../workers/state-check.js';

/**
 * Turns the merged raw config into a validated, frozen GatewayConfig, in
 * the order the style guide gives: component defaults with user values on
 * top (each factory's schema), then cross-field checks (factory.validate),
 * then checks across components (pipelines reference what exists). All
 * problems are collected and reported together.
 */

const SECTION_OF: Record<Kind, string> = { receiver: 'receivers', processor: 'processors', exporter: 'exporters', extension: 'extensions' };
const TOP_LEVEL = ['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service'];

export interface ComponentConfig {
  readonly id: ComponentId;
  readonly kind: Kind;
  readonly factory: Factory;
  readonly config: unknown;
}

export interface PipelineConfig {
  /** "metrics" or "metrics/<name>" */
  readonly name: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

export interface GatewayConfig {
  readonly components: Readonly<Record<Kind, ReadonlyMap<string, ComponentConfig>>>;
  readonly pipelines: readonly PipelineConfig[];
  readonly service: ServiceSection;
}

export function buildGatewayConfig(raw: Record<string, unknown>, registry: Registry): GatewayConfig {
  const problems: string[] = [];

  for (const key of Object.keys(raw)) {
    if (key === 'connectors') {
      problems.push('connectors: connectors are not supported; use the routing processor for routing by tenant');
    } else if (!TOP_LEVEL.includes(key)) {
      problems.push(`${key}: unknown top-level key; valid keys are: ${TOP_LEVEL.filter((k) => k !== 'connectors').join(', ')}`);
    }
  }

  const components = {} as Record<Kind, Map<string, ComponentConfig>>;
  // Ids that are configured but invalid: already reported, so pipelines do not report them again.
  const invalid = new Set<string>();
  for (const kind of KINDS) components[kind] = parseSection(kind, raw[SECTION_OF[kind]], registry, problems, invalid);

  const serviceRaw = raw.service ?? {};
  const parsed = serviceSchema.safeParse(serviceRaw);
  let service: ServiceSection | undefined;
  if (parsed.success) service = parsed.data;
  else problems.push(...formatIssues(parsed.error.issues, ['service'], serviceRaw));

  const pipelines: PipelineConfig[] = [];
  if (service !== undefined) {
    checkServiceExtensions(service, components, problems, invalid);
    for (const [name, p] of Object.entries(service.pipelines)) {
      const pc = checkPipeline(name, p, components, problems, invalid);
      if (pc !== undefined) pipelines.push(pc);
    }
    problems.push(...perWorkerStateProblems(service, pipelines));
    if (Object.keys(service.pipelines).length === 0) {
      problems.push('service::pipelines: at least one pipeline is required, e.g. metrics: {receivers: [otlp], exporters: [debug]}');
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ components, pipelines: deepFreeze(pipelines), service: deepFreeze(service!) });
}

function parseSection(kind: Kind, section: unknown, registry: Registry, problems: string[], invalid: Set<string>): Map<string, ComponentConfig> {
  const out = new Map<string, ComponentConfig>();
  const name = SECTION_OF[kind];
  if (section === undefined || section === null) return out;
  if (typeof section !== 'object' || Array.isArray(section)) {
    problems.push(`${name}: must be a map of component ids to settings (got ${describe(section)})`);
    return out;
  }
  for (const [key, value] of Object.entries(section)) {
    const id = ComponentId.parse(key);
    invalid.add(`${kind}:${key}`);
    if (id === undefined) {
      problems.push(`${name}::${key}: not a valid component id; ids are "type" or "type/name"`);
      continue;
    }
    const factory = registry.get(kind, id.type);
    if (factory === undefined) {
      problems.push(`${name}::${key}: ${unknownTypeMessage(kind, id.type, registry)}`);
      continue;
    }
    const input = value ?? {};
    const result = factory.configSchema.safeParse(input);
    if (!result.success) {
      problems.push(...formatIssues(result.error.issues, [name, key], input));
      continue;
    }
    const extra = factory.validate?.(result.data) ?? [];
    for (const p of extra) problems.push(`${name}::${key}::${p}`);
    if (extra.length === 0) {
      out.set(id.toString(), Object.freeze({ id, kind, factory, config: deepFreeze(result.data) }));
      invalid.delete(`${kind}:${key}`);
    }
  }
  return out;
}

function unknownTypeMessage(kind: Kind, type: string, registry: Registry): string {
  const have = registry.types(kind).join(', ');
  if (COLLECTOR_COMPONENTS[kind].includes(type)) {
    return `"${type}" is an OpenTelemetry Collector ${kind} that Tributary does not implement yet; Tributary's ${kind}s are: ${have}`;
  }
  return `unknown ${kind} type "${type}"; valid types are: ${have}`;
}

function checkServiceExtensions(service: ServiceSection, components: Record<Kind, Map<string, ComponentConfig>>, problems: string[], invalid: Set<string>): void {
  service.extensions.forEach((e, i) => {
    if (!components.extension.has(e) && !invalid.has(`extension:${e}`)) problems.push(`service::extensions::${i}: extension "${e}" is not configured under extensions`);
  });
}

function checkPipeline(
  name: string,
  p: PipelineSection,
  components: Record<Kind, Map<string, ComponentConfig>>,
  problems: string[],
  invalid: Set<string>,
): PipelineConfig | undefined {
  const path = `service::pipelines::${name}`;
  const id = ComponentId.parse(name);
  if (id === undefined || id.type !== 'metrics') {
    const what = id === undefined ? 'not a valid pipeline id' : `"${id.type}" pipelines are not supported`;
    problems.push(`${path}: ${what}; Tributary is a metrics gateway, so pipelines are "metrics" or "metrics/<name>"`);
    return undefined;
  }
  const before = problems.length;
  // A reference to a component that is configured but invalid is already reported.
  let refsInvalid = false;
  const check = (kind: Kind, list: readonly string[]): void => {
    const seen = new Set<string>();
    list.forEach((ref, i) => {
      if (invalid.has(`${kind}:${ref}`)) {
        refsInvalid = true;
      } else if (!components[kind].has(ref)) {
        const known = [...components[kind].keys()];
        problems.push(`${path}::${SECTION_OF[kind]}::${i}: ${kind} "${ref}" is not configured under ${SECTION_OF[kind]}${known.length ? ` (configured: ${known.join(', ')})` : ''}`);
      }
      if (seen.has(ref)) problems.push(`${path}::${SECTION_OF[kind]}::${i}: ${kind} "${ref}" is listed twice`);
      seen.add(ref);
    });
  };
  check('receiver', p.receivers);
  check('processor', p.processors);
  check('exporter', p.exporters);
  checkRoutes(path, p, components, problems);
  if (p.receivers.length === 0) problems.push(`${path}::receivers: a pipeline needs at least one receiver`);
  if (p.exporters.length === 0) problems.push(`${path}::exporters: a pipeline needs at least one exporter`);
  if (problems.length > before || refsInvalid) return undefined;
  return { name, receivers: p.receivers, processors: p.processors, exporters: p.exporters };
}

/**
 * A processor that routes (its factory has routesTo) sends straight to
 * exporters: they must be in the pipeline's exporters list, so that they are
 * built, started, stopped and counted like any other, and nothing may follow
 * it, since it does not hand data to a next processor.
 */
function checkRoutes(path: string, p: PipelineSection, components: Record<Kind, Map<string, ComponentConfig>>, problems: string[]): void {
  p.processors.forEach((ref, i) => {
    const c = components.processor.get(ref);
    if (c === undefined || c.factory.kind !== 'processor' || c.factory.routesTo === undefined) return;
    const at = `${path}::processors::${i}`;
    if (i !== p.processors.length - 1) problems.push(`${at}: processor "${ref}" routes data to exporters itself, so it must be the last processor of the pipeline`);
    for (const e of new Set(c.factory.routesTo(c.config))) {
      if (!p.exporters.includes(e)) {
        problems.push(`${at}: processor "${ref}" routes to exporter "${e}", which is not in this pipeline's exporters; add it to ${path}::exporters`);
      }
    }
  });
}
