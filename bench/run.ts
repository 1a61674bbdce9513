import { benchDecode } from './decode.js';

/** `npm run bench`: every benchmark, each reporting ratios measured side by side in this run. */
const only = process.argv[2];
const suites: Record<string, () => { lines: string[] }> = {
  decode: benchDecode,
  putmetricdata: (await import('./putmetricdata.js')).benchPutMetricData,
};
for (const [name, fn] of Object.entries(suites)) {
  if (only !== undefined && only !== name) continue;
  console.log(`== ${name}`);
  for (const l of fn().lines) console.log(`   ${l}`);
}
