import type { MetricBatch } from '../metric.js';

/** What a decoder hands to a receiver: the valid data, and what it left out and why. */
export interface DecodeResult {
  readonly batch: MetricBatch;
  /** Data points left out because they were invalid (OTLP partial success). */
  readonly rejectedPoints: number;
  /** A human-readable summary of why points were rejected (first few reasons). */
  readonly rejectMessage: string;
}

/** Collects reasons for rejected points; keeps a few distinct ones for the message. */
export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];

  reject(points: number, reason: string): void {
    this.count += points;
    if (this.reasons.length < 5 && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  message(): string {
    if (this.count === 0) return '';
    const more = this.reasons.length === 5 ? '; ...' : '';
    return `${this.count} data point(s) rejected: ${this.reasons.join('; ')}${more}`;
  }

  reset(): void {
    this.count = 0;
    this.reasons.length = 0;
  }
}
