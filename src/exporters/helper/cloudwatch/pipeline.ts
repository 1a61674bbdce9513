import type { CreateSettings } from '../../../component/component.js';
import { Errors } from '../../../errors/catalogue.js';
import { TributaryError } from '../../../errors/tributary-error.js';
import type { CloudWatchCommonConfig } from './config.js';
import { declarationsOf, descriptorsOf } from './config.js';
import { CostGuard } from './cost-guard.js';
import { CloudWatchTranslator } from './translate.js';

/**
 * The parts both CloudWatch exporters assemble the same way from their
 * config: the cost guard (swept every minute so the combination gauge falls
 * when a namespace goes quiet), the translator with its drop counting, and
 * the refusal of a batch when the send queue is full.
 */

export interface CloudWatchParts {
  readonly guard: CostGuard;
  readonly translator: CloudWatchTranslator;
  /** Starts the periodic sweep of the guard; returns the function that stops it. */
  startSweeps(): () => void;
}

export function buildParts(set: CreateSettings, c: CloudWatchCommonConfig, maxValues: number, log: (level: 'warn', key: string, fields: Record<string, unknown>, msg: string) => void): CloudWatchParts {
  const id = set.id.toString();
  const guard = new CostGuard({ exporter: id, maxPerNamespace: c.max_metrics_per_namespace, metrics: set.metrics });
  const translator = new CloudWatchTranslator({
    namespace: c.namespace,
    namespaceAttribute: c.namespace_attribute,
    resolution: c.storage_resolution,
    resolutionAttribute: c.storage_resolution_attribute,
    resourceToTelemetry: c.resource_to_telemetry_conversion.enabled,
    declarations: declarationsOf(c),
    descriptors: descriptorsOf(c),
    initialValue: c.initial_value,
    maxSeries: c.max_series,
    maxValues,
    guard,
    onDrop: (reason, metric, points) => {
      set.metrics.droppedPoints.inc({ component: `exporter/${id}`, reason }, points);
      if (!QUIET_REASONS.has(reason)) log('warn', `drop:${reason}:${metric}`, { metric, reason, points }, 'points not sent to CloudWatch');
    },
    onWarn: (key, fields, msg) => log('warn', key, fields, msg),
  });
  return {
    guard,
    translator,
    startSweeps: () => {
      const t = setInterval(() => guard.sweep(), 60_000);
      t.unref();
      return () => clearInterval(t);
    },
  };
}

/** Drops that are the configuration working as intended: counted, not logged. */
const QUIET_REASONS = new Set(['not_declared', 'cumulative_first_point', 'empty_histogram', 'no_recorded_value']);

/** The error a full send queue refuses a batch with (before any per-series state changes). */
export function queueFullError(set: CreateSettings, points: number, what: string): TributaryError {
  set.metrics.exporterEnqueueFailed.inc({ exporter: set.id.toString() }, points);
  return new TributaryError(Errors.QUEUE_FULL, `exporter ${set.id}: send queue is full because ${what} is slow, throttling or down`, { retryAfterMs: 5000 });
}

export function notAccepting(set: CreateSettings): TributaryError {
  return new TributaryError(Errors.SHUTTING_DOWN, `exporter ${set.id} is not accepting data`);
}
