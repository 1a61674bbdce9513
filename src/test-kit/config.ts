import type { Registry } from '../component/registry.js';
import { builtinRegistry } from '../components.js';
import { ConfigError } from '../config/config-error.js';
import { type GatewayConfig, buildGatewayConfig } from '../config/gateway-config.js';
import { loadConfig } from '../config/load.js';

/** Config tests: a YAML text built into a GatewayConfig (no environment variables), as the CLI would. */
export async function buildConfigYaml(yaml: string, registry: Registry = builtinRegistry(), env: Record<string, string> = {}): Promise<GatewayConfig> {
  const { raw } = await loadConfig([`yaml:${yaml}`], { env });
  return buildGatewayConfig(raw, registry);
}

/** The problems a config must be rejected with; fails if it is accepted. */
export async function configProblems(yaml: string, registry: Registry = builtinRegistry()): Promise<readonly string[]> {
  try {
    await buildConfigYaml(yaml, registry);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}
