import { joinHostPort } from '../toolkit/host-port.ts';

/** An option the proxy cannot work with (a node address that is not an IP, a zero timeout...). */
export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
  /** The option at fault, e.g. `nodeAddress`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`${option}: ${problem}`);
    this.option = option;
  }
}

/** A service port's address could not be listened on: not local, already in use, refused. */
export class ProxyBindError extends Error {
  override readonly name = 'ProxyBindError';
  /** `namespace/name`. */
  readonly service: string;
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
  /** The errno code (EADDRINUSE, EADDRNOTAVAIL, EACCES), or `ENOTLOCAL` when no interface has the address. */
  readonly code: string;

  constructor(service: string, protocol: string, address: string, port: number, code: string, problem: string) {
    super(`service ${service}: cannot listen on ${protocol.toLowerCase()} ${joinHostPort(address, port)}: ${problem}`);
    this.service = service;
    this.protocol = protocol;
    this.address = address;
    this.port = port;
    this.code = code;
  }
}
