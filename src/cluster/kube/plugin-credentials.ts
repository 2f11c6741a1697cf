import type { RequestOptions } from 'node:https';
import type { Credentials, Refreshing } from './credentials.ts';
import { KubeConfigError } from './errors.ts';
import type { KubeconfigUser } from './kubeconfig.ts';

/** The part of client-node's KubeConfig used here. */
interface CredentialRunner {
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

/**
 * Credentials from a kubeconfig user's `exec` plugin or `auth-provider`, obtained through
 * @kubernetes/client-node. Importing it costs about 85 MB of resident memory, so it is imported
 * on the first request of such a user only, never for tokens, certificates or in-cluster. The
 * plugin's token and client certificate take precedence over any the user also sets directly.
 */
export class PluginCredentials implements Refreshing<Credentials> {
  readonly #user: KubeconfigUser;
  readonly #kubeconfigPath: string;
  readonly #base: Refreshing<Credentials>;
  #runner: Promise<CredentialRunner> | undefined;

  constructor(user: KubeconfigUser, kubeconfigPath: string, base: Refreshing<Credentials>) {
    this.#user = user;
    this.#kubeconfigPath = kubeconfigPath;
    this.#base = base;
  }

  async current(): Promise<Credentials> {
    const [base, runner] = await Promise.all([this.#base.current(), (this.#runner ??= this.#load())]);
    const options: RequestOptions = {};
    try {
      // Runs the exec plugin when its cached credential has expired (client-node keeps that cache).
      await runner.applyToHTTPSOptions(options);
    } catch (error) {
      const kind = this.#user.exec ? 'exec plugin' : 'auth-provider';
      throw new KubeConfigError(
        `kubeconfig ${this.#kubeconfigPath}: user "${this.#user.name}" ${kind} failed: ${(error as Error).message}`,
        { path: this.#kubeconfigPath, cause: error },
      );
    }
    const authorization = (options.headers as Record<string, unknown> | undefined)?.['Authorization'];
    const { cert, key } = options;
    return {
      headers: typeof authorization === 'string' ? { ...base.headers, Authorization: authorization } : base.headers,
      ...((typeof cert === 'string' || Buffer.isBuffer(cert)) && (typeof key === 'string' || Buffer.isBuffer(key))
        ? { clientCertificate: { cert, key } }
        : base.clientCertificate && { clientCertificate: base.clientCertificate }),
    };
  }

  async #load(): Promise<CredentialRunner> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromClusterAndUser(
      // client-node supplies the user's credentials only: TLS to the API server and the agent stay
      // clusterdns's, so its cluster is a placeholder that it never connects to.
      { name: 'credentials-only', server: 'https://credentials.invalid', skipTLSVerify: false },
      {
        name: this.#user.name,
        ...(this.#user.exec && { exec: this.#user.exec }),
        ...(this.#user.authProvider && { authProvider: this.#user.authProvider }),
      },
    );
    return config;
  }
}
