import { describe, expect, it } from 'vitest';
import { cloudWatchUnit, unitOf } from './units.js';

describe('OpenTelemetry -> CloudWatch units', () => {
  it.each([
    ['s', 'Seconds', 1],
    ['ms', 'Milliseconds', 1],
    ['us', 'Microseconds', 1],
    ['µs', 'Microseconds', 1],
    ['ns', 'Microseconds', 1e-3],
    ['min', 'Seconds', 60],
    ['h', 'Seconds', 3600],
    ['By', 'Bytes', 1],
    ['kBy', 'Kilobytes', 1],
    ['MBy', 'Megabytes', 1],
    ['KiBy', 'Bytes', 1024],
    ['MiBy', 'Bytes', 1048576],
    ['bit', 'Bits', 1],
    ['Mbit', 'Megabits', 1],
    ['By/s', 'Bytes/Second', 1],
    ['MiBy/s', 'Bytes/Second', 1048576],
    ['bit/s', 'Bits/Second', 1],
    ['%', 'Percent', 1],
    ['{count}', 'Count', 1],
    ['{request}', 'Count', 1],
    ['{packet}/s', 'Count/Second', 1],
    ['1/s', 'Count/Second', 1],
    ['1', 'None', 1],
    ['', 'None', 1],
    ['Cel', 'None', 1],
    ['Hz', 'None', 1],
  ])('%s -> %s (x%s)', (otel, unit, scale) => {
    expect(cloudWatchUnit(otel)).toEqual({ unit, scale });
  });

  it('prefers a metric descriptor, then the unit the putmetricdata receiver kept, then the mapping', () => {
    expect(unitOf('ms', undefined, { unit: 'Seconds', overwrite: true })).toEqual({ unit: 'Seconds', scale: 1 });
    expect(unitOf('ms', undefined, { unit: 'Seconds', overwrite: false })).toEqual({ unit: 'Milliseconds', scale: 1 });
    expect(unitOf('', undefined, { unit: 'Seconds', overwrite: false })).toEqual({ unit: 'Seconds', scale: 1 });
    expect(unitOf('kBy', 'Kilobytes', undefined)).toEqual({ unit: 'Kilobytes', scale: 1 });
    expect(unitOf('{count}', 'NotAUnit', undefined)).toEqual({ unit: 'Count', scale: 1 });
  });
});
