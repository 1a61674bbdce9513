import { duration, int, oneOf, section, stringList, z } from '../../config/schema.js';

/** include / exclude, as the Collector writes them: metric names (strict or regexp) and metric types. */
const matchSchema = section({
  metrics: stringList(),
  /** strict: equal names; regexp: the pattern found anywhere in the name (anchor it with ^...$). */
  match_type: oneOf(['strict', 'regexp']),
  /** sum and/or histogram; empty: both. */
  metric_types: z.array(z.enum(['sum', 'histogram'], { error: 'must be one of: sum, histogram' }), { error: 'must be a list' }).default([]),
});

/** The cumulativetodelta processor's config: the Collector's keys, plus max_streams. */
export const cumulativeToDeltaSchema = section({
  include: matchSchema.optional(),
  exclude: matchSchema.optional(),
  /** A stream not seen for this long is forgotten; 0: never (the Collector's default). */
  max_staleness: duration('0s'),
  /**
   * What to do with the first point of a stream, whose delta cannot be known:
   * auto sends it only when the stream started after this processor did
   * (start time set, later than our start, and not equal to the point's
   * time); keep sends it; drop only remembers it.
   */
  initial_value: oneOf(['auto', 'keep', 'drop'], 'auto'),
  /** Tributary: streams held at most; points of new streams past it are dropped and counted. 0: no limit. */
  max_streams: int(1_000_000, 0),
});

export type CumulativeToDeltaConfig = z.infer<typeof cumulativeToDeltaSchema>;
export type MatchConfig = z.infer<typeof matchSchema>;

export function validateCumulativeToDelta(c: CumulativeToDeltaConfig): string[] {
  const out: string[] = [];
  for (const key of ['include', 'exclude'] as const) {
    const m = c[key];
    if (m === undefined) continue;
    if (m.metrics.length > 0 && m.match_type === undefined) out.push(`${key}::match_type: must be set (strict or regexp) when metrics are listed`);
    if (m.match_type === 'regexp') {
      m.metrics.forEach((p, i) => {
        try {
          new RegExp(p);
        } catch (err) {
          out.push(`${key}::metrics::${i}: not a valid regular expression: ${(err as Error).message} (got ${JSON.stringify(p)})`);
        }
      });
    }
  }
  return out;
}
