import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorefile } from '../corefile/parse.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { PluginDefinition } from '../toolkit/types.ts';
import { plugins } from './plugins.ts';
import { createErrorsPlugin } from '../plugins/errors/index.ts';
import { createLogPlugin } from '../plugins/log/index.ts';
import type { PluginRegistry } from '../server/config.ts';
import { startServer, type RunningServer, type ServerOptions } from '../server/index.ts';

export interface TestServer {
  readonly server: RunningServer;
  /** The port of the first listener (UDP and TCP share it). */
  readonly port: number;
  /** What `log` and `errors` printed, without going through stdout. */
  readonly lines: string[];
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Plugins besides the compiled-in ones, e.g. test fixtures. */
  readonly extraPlugins?: readonly PluginDefinition[];
  readonly logger?: Logger;
  readonly tcp?: ServerOptions['tcp'];
  readonly inFlight?: ServerOptions['inFlight'];
  readonly fairShare?: ServerOptions['fairShare'];
}

/** The compiled-in plugins with `log` and `errors` writing into `lines`, plus `extra`. */
export function captureRegistry(lines: string[], extra: readonly PluginDefinition[] = []): PluginRegistry {
  const registry = new Map<string, PluginDefinition>(plugins);
  const capture = (line: string): void => void lines.push(line);
  for (const definition of [createLogPlugin(capture), createErrorsPlugin(capture), ...extra]) {
    registry.set(definition.name, definition as PluginDefinition);
  }
  return registry;
}

/**
 * Writes `corefile` to a temporary directory, loads it as the CLI would, and starts it with keys
 * that name no port on a free port (127.0.0.1 and ::1 reach it; it listens on all interfaces).
 */
export async function startTestServer(corefile: string, options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-test-'));
  const path = join(dir, 'Corefile');
  writeFileSync(path, corefile);
  const lines: string[] = [];
  try {
    const server = await startServer(loadCorefile(path), {
      dnsPort: 0,
      logger: options.logger ?? silentLogger,
      registry: captureRegistry(lines, options.extraPlugins),
      tcp: options.tcp,
      inFlight: options.inFlight,
      fairShare: options.fairShare,
      graceMs: 500,
    });
    return {
      server,
      port: server.listeners[0]!.port,
      lines,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
