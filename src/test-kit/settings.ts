import type { CreateSettings, Host, Kind, Phase } from '../component/component.js';
import { ComponentId } from '../component/component.js';
import { createLogger, silentLogger } from '../telemetry/logger.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';

/** CreateSettings for a component under test, with a silent logger and its own metrics registry. */
export function testSettings(kind: Kind, id: string, pipeline?: string): CreateSettings {
  return { id: ComponentId.parse(id)!, kind, logger: silentLogger(), metrics: new SelfMetrics({ processMetrics: false }), pipeline };
}

export function testHost(extensions: Record<string, unknown> = {}, phase: Phase = 'running'): Host {
  return { getExtension: (id) => extensions[id] as never, phase: () => phase };
}

/** testSettings with a debug logger whose JSON lines the test can read back (to check what is, and is not, logged). */
export function capturingSettings(kind: Kind, id: string): { set: CreateSettings; logs: () => string } {
  let out = '';
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void (out += s) } });
  return { set: { ...testSettings(kind, id), logger }, logs: () => out };
}
