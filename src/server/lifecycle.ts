import type { Logger } from 'pino';
import type { Readiness } from '../toolkit/types.ts';
import { PluginStartError } from './errors.ts';

/** What the plugins of one configuration registered: start work, readiness sources, shutdown hooks. */
export class Lifecycle {
  readonly readiness: Readiness[] = [];
  /** Sources of the whole server rather than a plugin (the worker threads): every block's `ready` counts them. */
  readonly serverReadiness: readonly Readiness[];

  constructor(serverReadiness: readonly Readiness[] = []) {
    this.serverReadiness = serverReadiness;
  }
  private readonly starts: { plugin: string; start: () => Promise<void> }[] = [];
  private readonly shutdownHooks: (() => void | Promise<void>)[] = [];
  private readonly beforeStopHooks: { plugin: string; hook: () => Promise<void> }[] = [];
  private shutdown: Promise<void> | null = null;

  onStart(plugin: string, start: () => Promise<void>): void {
    this.starts.push({ plugin, start });
  }

  onShutdown(hook: () => void | Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  onBeforeStop(plugin: string, hook: () => Promise<void>): void {
    this.beforeStopHooks.push({ plugin, hook });
  }

  /** Runs the before-stop hooks together (health's lameduck); a failing one is logged, not fatal. */
  async runBeforeStop(logger: Logger): Promise<void> {
    await Promise.all(
      this.beforeStopHooks.map(async ({ plugin, hook }) => {
        try {
          await hook();
        } catch (error) {
          logger.error({ plugin, err: error }, 'before-stop hook failed');
        }
      }),
    );
  }

  /** Runs every start() together; the first failure names its plugin. */
  async start(): Promise<void> {
    await Promise.all(
      this.starts.map(async ({ plugin, start }) => {
        try {
          await start();
        } catch (error) {
          throw new PluginStartError(plugin, error);
        }
      }),
    );
  }

  /** Runs the shutdown hooks once, in registration order; a failing hook is logged, not fatal. */
  runShutdown(logger: Logger): Promise<void> {
    this.shutdown ??= (async () => {
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (error) {
          logger.error({ err: error }, 'shutdown hook failed');
        }
      }
    })();
    return this.shutdown;
  }
}
