/** The connection to the API cannot be configured: a missing token, kubeconfig, context or file. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  /** The file at fault, when a file is. */
  readonly path: string | undefined;

  constructor(message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = options.path;
  }
}

/** The API answered with an error status (HTTP, or a watch ERROR event carrying a Status). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code: number;
  /** The Status reason, e.g. `Expired`, `Unauthorized`; '' when the body was no Status. */
  readonly reason: string;
  /** The request path, without the query. */
  readonly path: string;

  constructor(code: number, reason: string, message: string, path: string) {
    super(`${path}: ${code}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`);
    this.code = code;
    this.reason = reason;
    this.path = path;
  }

  /** 410: the resourceVersion or continue token is too old; only a fresh list helps. */
  get gone(): boolean {
    return this.code === 410;
  }
}

/** Nothing arrived on a request or watch for too long, so it was abandoned. */
export class KubeIdleTimeoutError extends Error {
  override readonly name = 'KubeIdleTimeoutError';
  readonly path: string;
  readonly idleMs: number;

  constructor(path: string, idleMs: number) {
    super(`${path}: nothing received for ${idleMs} ms`);
    this.path = path;
    this.idleMs = idleMs;
  }
}

/** The API sent something that is not the JSON or protobuf the protocol promises. */
export class KubeProtocolError extends Error {
  override readonly name = 'KubeProtocolError';
  readonly path: string;

  constructor(path: string, problem: string, options: { cause?: unknown } = {}) {
    super(`${path}: ${problem}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
  }
}
