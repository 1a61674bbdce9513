/**
 * The last few readings of the gateway's counters, taken at a fixed
 * interval, from which the status page computes per-second rates: the
 * increase between the oldest and the newest reading over the time between
 * them. Bounded: `capacity` readings of a fixed set of series.
 */
export interface Sample {
  /** Unix milliseconds. */
  readonly at: number;
  readonly values: ReadonlyMap<string, number>;
}

export class SampleRing {
  private readonly samples: Sample[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error('a sample ring needs room for at least two samples');
  }

  push(sample: Sample): void {
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  get size(): number {
    return this.samples.length;
  }

  /** Seconds between the oldest and the newest sample (0 with fewer than two). */
  windowSeconds(): number {
    if (this.samples.length < 2) return 0;
    return (this.samples[this.samples.length - 1].at - this.samples[0].at) / 1000;
  }

  /**
   * Per-second increase of a counter over the window, or undefined until
   * two samples some time apart exist. A series missing from the oldest
   * sample started at zero; a counter that went down was reset, and its
   * newest value is the increase.
   */
  rate(key: string): number | undefined {
    const seconds = this.windowSeconds();
    if (seconds <= 0) return undefined;
    const newest = this.samples[this.samples.length - 1].values.get(key) ?? 0;
    const oldest = this.samples[0].values.get(key) ?? 0;
    const increase = newest >= oldest ? newest - oldest : newest;
    return increase / seconds;
  }
}
