import { isAbsolute, resolve } from 'node:path';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives } from '../../toolkit/args.ts';
import { loadTlsMaterial, TlsMaterialError } from '../../toolkit/tls.ts';
import type { ClientAuth, ServerTlsOptions } from '../../toolkit/types.ts';

const CLIENT_AUTHS: readonly ClientAuth[] = ['nocert', 'request', 'require', 'verify_if_given', 'require_and_verify'];

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'tls');
}

/**
 * `tls CERT KEY [CA] { client_auth TYPE; keylog FILE }` as CoreDNS 1.14 reads it. The files are
 * read here, so a Corefile naming a missing or mismatched certificate fails to load (and a reload
 * keeps the running one). Certificates from ACME (`tls` without files) are not supported.
 */
export function parseTls(directive: Directive): ServerTlsOptions {
  if (directive.args.length === 0) {
    fail(directive.name, 'certificates from ACME (tls without CERT KEY) are not supported by clusterdns; give CERT KEY [CA]');
  }
  const paths = argCount(directive, 2, 3).map((token) => token.text);
  let clientAuth: ClientAuth = 'nocert';
  let keylog: string | null = null;
  for (const line of blockDirectives(directive)) {
    const option = line.name.text;
    if (option === 'client_auth') {
      const [type] = argCount(line, 1, 1);
      if (!CLIENT_AUTHS.includes(type!.text as ClientAuth)) fail(type!, `unknown authentication type '${type!.text}'`);
      clientAuth = type!.text as ClientAuth;
    } else if (option === 'keylog') {
      const [file] = argCount(line, 1, 1);
      keylog = isAbsolute(file!.text) ? file!.text : resolve(file!.text);
    } else {
      fail(line.name, `unknown option '${option}'`);
    }
  }
  try {
    return { material: loadTlsMaterial(paths), clientAuth, keylog };
  } catch (error) {
    if (error instanceof TlsMaterialError) fail(directive.name, error.message);
    throw error;
  }
}
