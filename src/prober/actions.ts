import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ContainerPort, ProbeAction } from '../cluster/types.ts';
import { http } from '../node-http.ts';

/** What a probe runs against: the pod's primary IP and its container ports, for named ports. */
export interface ProbeTarget {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly containerPorts: readonly ContainerPort[];
}

export interface ProbeOutcome {
  readonly success: boolean;
  /** Why, for the log line when readiness flips: `HTTP 500`, `ECONNREFUSED`, `exit code 1`. */
  readonly detail: string;
}

/** As the kubelet identifies its probes. */
const USER_AGENT = 'kube-probe/clusterdns';
/** Output an exec probe may print; more fails it rather than growing without bound. */
const EXEC_MAX_BUFFER = 64 * 1024;

/**
 * Runs one probe. Never rejects: every problem (a refused connect, a timeout, a port name the pod
 * does not have, an abort) is a failed outcome, as the kubelet counts it.
 */
export function runProbe(action: ProbeAction, target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
  if (action.kind === 'exec') return execProbe(action.command, target, timeoutMs, signal);
  const port = resolvePort(action.port, target.containerPorts);
  if (port === undefined) return Promise.resolve({ success: false, detail: `port '${action.port}' not found in the pod's container ports` });
  const host = action.host ?? target.ip;
  if (action.kind === 'tcpSocket') return tcpProbe(host, port, timeoutMs, signal);
  return httpProbe(action.scheme, host, port, action.path, timeoutMs, signal);
}

/**
 * A port number, or a container port's name, falling back to a name that is a number written as a
 * string, as the kubelet resolves probe ports.
 */
export function resolvePort(port: number | string, containerPorts: readonly ContainerPort[]): number | undefined {
  if (typeof port === 'number') return port;
  const named = containerPorts.find((candidate) => candidate.name === port);
  if (named) return named.containerPort;
  const number = /^\d+$/.test(port) ? Number(port) : NaN;
  return number >= 1 && number <= 65535 ? number : undefined;
}

function tcpProbe(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs, signal });
    const finish = (success: boolean, detail: string): void => {
      socket.destroy();
      resolve({ success, detail });
    };
    socket.once('connect', () => finish(true, 'connected'));
    socket.once('timeout', () => finish(false, `no connection within ${timeoutMs} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(false, error.code ?? error.message));
  });
}

function httpProbe(
  scheme: 'HTTP' | 'HTTPS',
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const options = {
      host,
      port,
      path: path.startsWith('/') ? path : `/${path}`,
      method: 'GET',
      timeout: timeoutMs,
      signal,
      agent: false,
      headers: { 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' },
    } as const;
    // The kubelet does not verify probe certificates: pods serve self-signed ones.
    const request = scheme === 'HTTPS' ? httpsRequest({ ...options, rejectUnauthorized: false }) : http.request(options);
    let settled = false;
    const finish = (success: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve({ success, detail });
    };
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      finish(status >= 200 && status < 400, `HTTP ${status}`);
    });
    request.once('timeout', () => finish(false, `no answer within ${timeoutMs} ms`));
    request.once('error', (error: NodeJS.ErrnoException) => finish(false, error.code ?? error.message));
    request.end();
  });
}

/**
 * The command runs on this host, not in a container (there is none): with the pod's identity in
 * POD_NAME, POD_NAMESPACE and POD_IP so a script can check the right process. Exit 0 is success.
 */
function execProbe(command: readonly string[], target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
  const [file, ...args] = command;
  if (file === undefined || file === '') return Promise.resolve({ success: false, detail: 'empty exec command' });
  const env = { ...process.env, POD_NAME: target.name, POD_NAMESPACE: target.namespace, POD_IP: target.ip };
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, signal, env, maxBuffer: EXEC_MAX_BUFFER, windowsHide: true }, (error) => {
      if (error === null) resolve({ success: true, detail: 'exit code 0' });
      else if (error.killed) resolve({ success: false, detail: `no exit within ${timeoutMs} ms` });
      else resolve({ success: false, detail: typeof error.code === 'number' ? `exit code ${error.code}` : String(error.code ?? error.message) });
    });
  });
}
