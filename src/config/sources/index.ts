import { envSource, fileSource, yamlSource } from './file.js';
import { httpsSource } from './https.js';
import { s3Source } from './s3.js';
import type { ConfigSource, SourceEnv } from './source.js';
import { ssmSource } from './ssm.js';

export type { ConfigSource } from './source.js';

/**
 * Every built-in source, in the order they are asked. The file source
 * comes last: it takes any value without a scheme.
 */
export function builtinSources(env: SourceEnv): readonly ConfigSource[] {
  return [yamlSource, envSource(env), ssmSource(env), s3Source(env), httpsSource(env), fileSource];
}
