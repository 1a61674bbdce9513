import { SeriesRegistry } from '../exporters/prometheusremotewrite/series.js';
import { PrwTranslator, type TranslateOptions } from '../exporters/prometheusremotewrite/translate.js';
import { MetricNamer } from '../model/prom/naming.js';

/**
 * A remote-write translator with the exporter's usual settings (suffixes
 * added, target_info, native histograms, 4 shards, 1 MB requests), for
 * tests; `o` overrides any of them.
 */
export function testPrwTranslator(o: Partial<TranslateOptions> = {}): PrwTranslator {
  return new PrwTranslator({
    namer: new MetricNamer({ addMetricSuffixes: true, namespace: '' }),
    external: [],
    resourceToTelemetry: false,
    excludeServiceAttributes: false,
    targetInfo: true,
    nativeHistograms: true,
    sendMetadata: false,
    shards: 4,
    maxRequestBytes: 1_000_000,
    registry: new SeriesRegistry(100_000),
    onDrop: () => {},
    ...o,
  });
}
