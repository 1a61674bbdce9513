import type { CreateSettings, Host, Kind, Phase } from '../component/component.js';
import { ComponentId } from '../component/component.js';
import { silentLogger } from '../telemetry/logger.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';

/** CreateSettings for a component under test, with a silent logger and its own metrics registry. */
export function testSettings(kind: Kind, id: string, pipeline?: string): CreateSettings {
  return { id: ComponentId.parse(id)!, kind, logger: silentLogger(), metrics: new SelfMetrics({ processMetrics: false }), pipeline };
}

export function testHost(extensions: Record<string, unknown> = {}, phase: Phase = 'running'): Host {
  return { getExtension: (id) => extensions[id] as never, phase: () => phase };
}
