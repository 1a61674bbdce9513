import { describe, expect, it } from 'vitest';
import { buildMetricName, formatLabelFloat, sanitizeLabelName, unitTokens } from './naming.js';

const on = { addMetricSuffixes: true, namespace: '' };

describe('metric names (OpenTelemetry -> Prometheus)', () => {
  it.each([
    ['http.server.request.duration', 's', 'histogram', false, 'http_server_request_duration_seconds'],
    ['system.memory.usage', 'By', 'gauge', false, 'system_memory_usage_bytes'],
    ['system.cpu.utilization', '1', 'gauge', true, 'system_cpu_utilization_ratio'],
    ['http.requests', '1', 'counter', false, 'http_requests_total'],
    ['requests', '{request}', 'counter', false, 'requests_total'],
    ['throughput', 'By/s', 'gauge', true, 'throughput_bytes_per_second'],
    ['otelcol_process_cpu_seconds', 's', 'counter', false, 'otelcol_process_cpu_seconds_total'],
    ['custom_metric', 'By/{custom}', 'gauge', true, 'custom_metric_bytes'],
    ['requests.total', 'By', 'counter', false, 'requests_bytes_total'],
    ['response_time_seconds', 's', 'gauge', true, 'response_time_seconds'],
    ['(lambda).function.executions(#)', '', 'counter', false, 'lambda_function_executions_total'],
    ['system.network.dropped', '{packets}', 'counter', false, 'system_network_dropped_total'],
    ['system.network.dropped', 'packets', 'gauge', true, 'system_network_dropped_packets'],
    ['storage.filesystem.utilization', '%', 'gauge', true, 'storage_filesystem_utilization_percent'],
    ['astro.light.speed', 'm/s', 'gauge', true, 'astro_light_speed_meters_per_second'],
    ['123metric', '', 'gauge', true, '_123metric'],
    ['metric__with__multiple__underscores', '', 'gauge', true, 'metric_with_multiple_underscores'],
    ['sessions.active', '{session}', 'gauge', false, 'sessions_active'],
  ] as const)('%s [%s, %s] -> %s', (name, unit, kind, isGauge, want) => {
    expect(buildMetricName(name, unit, kind, isGauge, on)).toBe(want);
  });

  it('prepends a namespace and can leave suffixes off', () => {
    expect(buildMetricName('requests', '1/s', 'counter', false, { addMetricSuffixes: true, namespace: 'app' })).toBe('app_requests_per_second_total');
    expect(buildMetricName('this/one/there(where)', 'By', 'counter', false, { addMetricSuffixes: false, namespace: '' })).toBe('this_one_there_where');
    expect(buildMetricName('a.b', 'By', 'counter', false, { addMetricSuffixes: false, namespace: 'ns' })).toBe('ns_a_b');
  });

  it('maps units', () => {
    expect(unitTokens('By/s')).toEqual(['bytes', 'per_second']);
    expect(unitTokens('1/s')).toEqual(['per_second']);
    expect(unitTokens('{x}')).toEqual([]);
    expect(unitTokens('By/')).toEqual(['bytes']);
  });
});

describe('label names and values', () => {
  it.each([
    ['http.route', 'http_route'],
    ['label:with:colons', 'label_with_colons'],
    ['123label', 'key_123label'],
    ['__name__', '__name__'],
    ['_foo', '_foo'],
    ['a__b', 'a__b'],
    ['name (of the host)', 'name__of_the_host_'],
  ])('%s -> %s', (k, want) => {
    expect(sanitizeLabelName(k)).toBe(want);
  });

  it.each([
    [0.005, '0.005'],
    [1, '1'],
    [1e6, '1000000'],
    [-1.5, '-1.5'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [Infinity, '+Inf'],
  ])('le %s -> %s', (v, want) => {
    expect(formatLabelFloat(v)).toBe(want);
  });
});
