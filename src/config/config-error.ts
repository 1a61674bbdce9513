import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';

/** Every problem found in a configuration, reported at once. */
export class ConfigError extends TributaryError {
  constructor(readonly problems: readonly string[]) {
    super(Errors.CONFIG_INVALID, `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A config source that could not be read. */
export class ConfigSourceError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super(Errors.CONFIG_SOURCE, message, { cause });
    this.name = 'ConfigSourceError';
  }
}
