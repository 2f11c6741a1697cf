import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.ts';
import type { ClusterWriter } from '../types.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { KubeApiError, KubeIdleTimeoutError, KubeProtocolError } from './errors.ts';
import { FrameSplitter } from './frames.ts';
import type { ApiHealth } from './health.ts';
import { LineSplitter } from './lines.ts';
import { listAll } from './list.ts';
import { decodeWatchEvent } from './protobuf/index.ts';
import { openStream, type ApiStream, type RequestContext } from './request.ts';
import { rawKey, type ResourceType } from './resources.ts';

export interface ReflectorOptions<T> {
  readonly type: ResourceType<T>;
  readonly context: RequestContext;
  readonly writer: ClusterWriter;
  readonly health: ApiHealth;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  readonly pageSize: number;
  /** Called once, after the first full list is in the store, with how many objects it held. */
  readonly onFirstList: (count: number) => void;
}

type WatchEnd = 'closed' | 'expired' | 'idle';

// A watch that ends this fast having delivered nothing did not work, even if it ended cleanly.
const MIN_USEFUL_WATCH_MS = 1000;
// As client-go: the server ends each watch after 5 to 10 minutes, so watches are spread over API servers.
const MIN_WATCH_TIMEOUT_SECONDS = 300;

interface WatchEvent {
  readonly type?: unknown;
  readonly object?: { readonly metadata?: { readonly resourceVersion?: unknown } };
}

/**
 * Keeps one resource type of the store current: list, then watch from the list's
 * resourceVersion, resuming after every stream end and relisting (one atomic replace) when the
 * API says the resourceVersion is gone. Failures are retried with backoff forever; the store keeps
 * the last state meanwhile.
 */
export class Reflector<T> {
  readonly #options: ReflectorOptions<T>;
  readonly #backoff: Backoff;
  /** Where the next watch starts; '' means a list is needed first. */
  #resourceVersion = '';
  #lists = 0;

  constructor(options: ReflectorOptions<T>) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
  }

  get resource(): string {
    return this.#options.type.resource;
  }

  /** The last resourceVersion seen (from a list, an event or a bookmark). */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** Full lists done so far: the first sync plus every relist. */
  get lists(): number {
    return this.#lists;
  }

  /** Runs until the context's signal aborts. Never throws. */
  async run(): Promise<void> {
    const { signal } = this.#options.context;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === '') await this.#relist();
        const started = Date.now();
        const { end, heard } = await this.#watch();
        if (end === 'expired') {
          this.#options.logger.debug({ resource: this.resource }, 'watch resourceVersion expired; relisting');
          this.#resourceVersion = '';
        } else if (heard || Date.now() - started >= MIN_USEFUL_WATCH_MS) {
          this.#backoff.reset();
        } else {
          await sleep(this.#backoff.next(), undefined, { signal });
        }
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof KubeApiError && error.gone && this.#resourceVersion !== '') {
          // The watch was refused with HTTP 410: its resourceVersion is too old. Relist now.
          this.#resourceVersion = '';
          continue;
        }
        this.#options.health.failed(this.resource, error);
        const delayMs = this.#backoff.next();
        this.#options.logger.debug({ resource: this.resource, err: error, delayMs }, 'kubernetes request failed; retrying');
        await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #relist(): Promise<void> {
    const { type, context, pageSize, writer } = this.#options;
    const { objects, resourceVersion } = await listAll(context, type, pageSize, (error) => this.#invalid(error));
    type.replace(writer, objects);
    this.#resourceVersion = resourceVersion;
    this.#options.health.succeeded(this.resource);
    this.#backoff.reset();
    if (this.#lists++ === 0) this.#options.onFirstList(objects.length);
  }

  async #watch(): Promise<{ end: WatchEnd; heard: boolean }> {
    const { type, context } = this.#options;
    const query = new URLSearchParams({
      watch: '1',
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + Math.random()))),
    });
    if (type.labelSelector) query.set('labelSelector', type.labelSelector);
    if (type.fieldSelector) query.set('fieldSelector', type.fieldSelector);
    const stream = await openStream(context, type.path, query);
    this.#options.health.succeeded(this.resource);
    const events = this.#eventSplitter(stream);
    let heard = false;
    let expired = false;
    const onEvent = (event: WatchEvent): void => {
      heard = true;
      if (!expired) expired = this.#handle(event);
    };
    try {
      for await (const chunk of stream) {
        events(chunk, onEvent);
        if (expired) break;
      }
    } catch (error) {
      // Silence on an open watch: start a new one from where this one got to.
      if (error instanceof KubeIdleTimeoutError && !context.signal.aborted) return { end: 'idle', heard };
      throw error;
    } finally {
      stream.close();
    }
    return { end: expired ? 'expired' : 'closed', heard };
  }

  /** Cuts the stream into events as its format does: JSON one per line, protobuf one per length-prefixed frame. */
  #eventSplitter(stream: ApiStream): (chunk: Buffer, onEvent: (event: WatchEvent) => void) => void {
    const { path } = this.#options.type;
    if (stream.format === 'protobuf') {
      const frames = new FrameSplitter(path);
      return (chunk, onEvent) => frames.push(chunk, (frame) => onEvent(decodeFrame(frame, path)));
    }
    const lines = new LineSplitter();
    return (chunk, onEvent) => lines.push(chunk, (line) => onEvent(parseLine(line, path)));
  }

  /** Applies one watch event; true when it says the resourceVersion has expired. */
  #handle(event: WatchEvent): boolean {
    const { type, writer } = this.#options;
    const object = event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#apply(object);
        break;
      case 'DELETED': {
        const key = rawKey(type.kind, object);
        if (key !== null) writer.remove(type.kind, key);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = (object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
        const code = typeof status.code === 'number' ? status.code : 500;
        if (code === 410) return true;
        throw new KubeApiError(code, String(status.reason ?? ''), String(status.message ?? ''), type.path);
      }
      default:
        throw new KubeProtocolError(type.path, `unknown watch event type ${JSON.stringify(event.type)}`);
    }
    const resourceVersion = object?.metadata?.resourceVersion;
    if (typeof resourceVersion === 'string' && resourceVersion !== '') this.#resourceVersion = resourceVersion;
    return false;
  }

  #apply(object: unknown): void {
    const { type, writer } = this.#options;
    let converted: T;
    try {
      converted = type.convert(object);
    } catch (error) {
      this.#invalid(error);
      // The object exists but cannot be represented: an older valid version must not linger.
      const key = rawKey(type.kind, object);
      if (key !== null) writer.remove(type.kind, key);
      return;
    }
    if (type.keep(converted)) type.upsert(writer, converted);
  }

  #invalid(error: unknown): void {
    this.#options.logger.warn({ resource: this.resource, err: error }, 'skipping an object that cannot be converted');
  }
}

function parseLine(line: string, path: string): WatchEvent {
  try {
    return JSON.parse(line) as WatchEvent;
  } catch (error) {
    throw new KubeProtocolError(path, 'watch event is not JSON', { cause: error });
  }
}

function decodeFrame(frame: Buffer, path: string): WatchEvent {
  try {
    return decodeWatchEvent(frame);
  } catch (error) {
    throw new KubeProtocolError(path, `watch event is malformed protobuf: ${String(error instanceof Error ? error.message : error)}`, { cause: error });
  }
}
