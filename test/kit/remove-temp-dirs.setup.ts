import { afterAll } from 'vitest';
import { removeTestTempDirs } from '../../src/test-kit/temp-dirs.js';

// Registered before any test file's own hooks, so it runs after them: servers are stopped first.
afterAll(() => removeTestTempDirs());
