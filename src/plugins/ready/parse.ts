import { CorefileError, type Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, listenAddressArg, noBlock, unknownProperty } from '../../toolkit/args.ts';

export const DEFAULT_READY_ADDRESS = ':8181';

export interface ReadyOptions {
  readonly address: string;
  /** Ask a plugin again after it was ready once (`monitor continuously`); by default it is not. */
  readonly continuously: boolean;
}

/** `ready [ADDRESS] { monitor until-ready|continuously }` as CoreDNS reads it. */
export function parseReady(directive: Directive): ReadyOptions {
  const [address] = argCount(directive, 0, 1);
  let continuously = false;
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'monitor') throw unknownProperty(line, directive);
    noBlock(line);
    const [mode] = argCount(line, 1, 1);
    if (mode!.text !== 'until-ready' && mode!.text !== 'continuously') {
      throw new CorefileError(mode!.file, mode!.line, `monitor type '${mode!.text}' not supported`, 'ready');
    }
    continuously = mode!.text === 'continuously';
  }
  return { address: address === undefined ? DEFAULT_READY_ADDRESS : listenAddressArg(address, 'ready'), continuously };
}
