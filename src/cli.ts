#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Flush logs (pino writes asynchronously) before exiting.
setImmediate(() => process.exit(code));
