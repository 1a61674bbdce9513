/**
 * Short and long forms of the resilience suites. `npm test` runs the short
 * form; `npm run test:long` sets TRIBUTARY_LONG=1, which switches every
 * count and duration that `sized` picks to its long value.
 */
export const LONG = process.env.TRIBUTARY_LONG === '1';

export function sized<T>(short: T, long: T): T {
  return LONG ? long : short;
}
