export { KubeApiSource } from './source.ts';
export type { KubeApiOptions, KubeConnectionOptions } from './options.ts';
export { KubeApiError, KubeConfigError, KubeIdleTimeoutError, KubeProtocolError } from './errors.ts';
export { resolveConnection, type KubeConnection } from './connection.ts';
