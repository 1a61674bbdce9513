#!/usr/bin/env -S node --max-semi-space-size=64 --heap-growing-percent=100
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Flush logs (pino writes asynchronously) before exiting.
setImmediate(() => process.exit(code));
