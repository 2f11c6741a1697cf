import type { ServerResponse } from 'node:http';
import { contentType, statusBody, type Format } from './encoding.ts';

/** A metav1.Status, the body of every API error and of a watch ERROR event. */
export interface ApiStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly code: number;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function apiStatus(code: number, message: string): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'Unknown', code };
}

/** Answers with an error Status, in the format the request negotiated (the API server encodes errors as it does objects). */
export function sendStatus(res: ServerResponse, code: number, message: string, format: Format): void {
  sendBody(res, code, format, statusBody(format, { ...apiStatus(code, message) }));
}

/** Answers with a body in parts, written as they are (views of stored encodings, mostly), not joined first. */
export function sendBody(res: ServerResponse, code: number, format: Format, parts: readonly Buffer[]): void {
  res.writeHead(code, { 'Content-Type': contentType(format), 'Content-Length': parts.reduce((sum, part) => sum + part.length, 0) });
  res.cork();
  for (const part of parts) res.write(part);
  res.end();
}
