import { benchCloudWatch } from './cloudwatch.js';
import { benchDecode } from './decode.js';
import { benchInflux } from './influx.js';
import { benchProcessors } from './processors.js';
import { benchStatefulProcessors } from './processors-stateful.js';
import { benchPrw } from './prw.js';
import { benchPrwForward } from './prw-forward.js';
import { benchPutMetricData } from './putmetricdata.js';
import { benchQueue } from './queue.js';
import { removeTestTempDirs } from '../src/test-kit/temp-dirs.js';

/** `npm run bench [name]`: every benchmark (or one), each reporting ratios measured side by side in this run. */
const only = process.argv[2];
const suites: Record<string, () => { lines: string[] } | Promise<{ lines: string[] }>> = {
  decode: benchDecode,
  influx: benchInflux,
  putmetricdata: benchPutMetricData,
  processors: benchProcessors,
  'processors-stateful': benchStatefulProcessors,
  queue: benchQueue,
  prw: benchPrw,
  'prw-forward': benchPrwForward,
  cloudwatch: benchCloudWatch,
  'prw-receiver': async () => (await import('./prw-receiver.js')).benchPrwReceiver(),
  workers: async () => (await import('./workers.js')).benchWorkers(),
};
try {
  for (const [name, fn] of Object.entries(suites)) {
    if (only !== undefined && only !== name) continue;
    console.log(`== ${name}`);
    for (const l of (await fn()).lines) console.log(`   ${l}`);
  }
} finally {
  removeTestTempDirs();
}
