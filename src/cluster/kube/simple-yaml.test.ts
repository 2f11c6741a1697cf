import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeConfigError } from './errors.ts';
import { loadKubeconfig } from './kubeconfig.ts';
import { parseSimpleYaml, UnsupportedYamlError } from './simple-yaml.ts';

const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKY201bGRHVnpNQjRYRFRJME1ETXdOVEV3TURBd01Gb1hEVE0wTURNd016RXdNREF3TUZvd0ZURVRNQkVHQTFVRQpBeE1LYTNWaVpYSnVaWFJsY3pDQ0FTSXdEUVlKS29aSWh2Y05BUUVCQlFBRGdnRVBBRENDQVFvQ2dnRUJBTGhUCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K';

/** kind, as `kind create cluster` writes it through client-go (go-yaml: sequences level with their key). */
const kind = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA}
    server: https://127.0.0.1:39337
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: ${CA}
    client-key-data: ${CA}
`;

/** Realistic kubeconfigs, as their writers produce them, that the subset reads. */
const corpus: Record<string, string> = {
  kind,
  'kubeadm admin.conf, with a leading document marker and CRLF line ends': `---\r\n${kind.replaceAll('kind-kind', 'kubernetes-admin@kubernetes').replaceAll('\n', '\r\n')}`,
  minikube: `apiVersion: v1
clusters:
- cluster:
    certificate-authority: /home/dev/.minikube/ca.crt
    extensions:
    - extension:
        last-update: Tue, 05 Mar 2024 10:15:42 UTC
        provider: minikube.sigs.k8s.io
        version: v1.32.0
      name: cluster_info
    server: https://192.168.49.2:8443
  name: minikube
contexts:
- context:
    cluster: minikube
    extensions:
    - extension:
        last-update: Tue, 05 Mar 2024 10:15:42 UTC
        provider: minikube.sigs.k8s.io
        version: v1.32.0
      name: context_info
    namespace: default
    user: minikube
  name: minikube
current-context: minikube
kind: Config
preferences: {}
users:
- name: minikube
  user:
    client-certificate: /home/dev/.minikube/profiles/minikube/client.crt
    client-key: /home/dev/.minikube/profiles/minikube/client.key
`,
  'EKS (aws eks update-kubeconfig)': `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA}
    server: https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com
  name: arn:aws:eks:us-west-2:123456789012:cluster/prod
contexts:
- context:
    cluster: arn:aws:eks:us-west-2:123456789012:cluster/prod
    user: arn:aws:eks:us-west-2:123456789012:cluster/prod
  name: arn:aws:eks:us-west-2:123456789012:cluster/prod
current-context: arn:aws:eks:us-west-2:123456789012:cluster/prod
kind: Config
preferences: {}
users:
- name: arn:aws:eks:us-west-2:123456789012:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - prod
      - --output
      - json
      command: aws
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
- name: staging
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - eks
      - get-token
      - --cluster-name
      - staging
      command: aws
      env:
      - name: AWS_PROFILE
        value: staging
      - name: AWS_STS_REGIONAL_ENDPOINTS
        value: "regional"
`,
  'GKE exec plugin (an installHint short enough not to be wrapped)': `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA}
    server: https://34.118.10.20
  name: gke_my-project_europe-west1_prod
contexts:
- context:
    cluster: gke_my-project_europe-west1_prod
    user: gke_my-project_europe-west1_prod
  name: gke_my-project_europe-west1_prod
current-context: gke_my-project_europe-west1_prod
kind: Config
preferences: {}
users:
- name: gke_my-project_europe-west1_prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin for use with kubectl
      provideClusterInfo: true
`,
  'k3s, indented sequences, a token user, comments and quoting': `# written by hand from /etc/rancher/k3s/k3s.yaml
apiVersion: v1   # the only version there is
kind: Config
clusters:
  - name: default
    cluster:
      server: "https://10.0.0.5:6443"   # the server's address
      insecure-skip-tls-verify: true
      tls-server-name: 'k3s.internal'
contexts:
  - name: "ops: admin"
    context:
      cluster: default
      user: 'ops#1'
      namespace: kube-system
users:
  - name: 'ops#1'
    user:
      token: "K10abc::server:5c1#f"
      username: "it's me"
      password: 'p@ss: w#rd ''quoted'''
      as: jane
      as-groups:
        - dev
        - "system:masters"
  - name: unicode
    user:
      token: "caf\\u00e9\\t\\"tab\\"\\\\"
      "client-key": ~
current-context: "ops: admin"
preferences: {}
extensions: []
`,
  'scalars as the core schema resolves them': `strings: [] # empty flow sequence
values:
  - plain text with spaces
  - a#b
  - C:\\Users\\dev\\.kube\\config
  - "true"
  - null
  - ~
  -
  - Null
  - true
  - False
  - 42
  - -7
  - +3
  - 007
  - 0x1F
  - 0o17
  - 1.5
  - .5
  - 1e3
  - -.inf
  - .NaN
  - 12345678901234567890
  - 1.2.3
  - v1.32.0
  - 10:15:42
  - yes
  - -
  - - nested
    - sequence
  - key: value
    other: 1
empty:
"quoted key": 'value'
`,
};

describe('parseSimpleYaml: kubeconfigs as their writers produce them', () => {
  for (const [name, text] of Object.entries(corpus)) {
    it(`reads ${name} as the yaml package does`, () => {
      expect(parseSimpleYaml(text)).toStrictEqual(parse(text));
    });
  }

  it('reads what the yaml package writes, block style, for varied values', () => {
    const values: unknown[] = [
      { a: [{ b: null, c: [] }, {}, 'x: y', "it's", '#x', ' lead', 'trail ', 'true', '1', 'é', 'a\u00a0'] },
      [[1, [2]], { 'k: v': { '-': 'x #y' } }, -0.5, 1e21, Infinity],
    ];
    for (const value of values) {
      for (const indentSeq of [true, false]) {
        const text = stringify(value, { indentSeq });
        expect(parseSimpleYaml(text)).toStrictEqual(parse(text));
      }
    }
  });

  it('reads an empty or comment-only document as null, as yaml does', () => {
    for (const text of ['', '\n\n', '# nothing\n', '---\n']) expect(parseSimpleYaml(text)).toBeNull();
  });
});

const gke = corpus['GKE exec plugin (an installHint short enough not to be wrapped)']!;

/** One construct outside the subset each, all within a usable kubeconfig. */
const unsupported: Record<string, string> = {
  'a literal block scalar': kind.replace(/client-key-data: .*/, 'client-key-data: |\n      c2VjcmV0\n      a2V5'),
  'a folded block scalar': kind.replace('preferences: {}', 'preferences:\n  note: >\n    folded\n    text'),
  'a flow mapping': kind.replace('preferences: {}', 'preferences: {colors: true}'),
  'a flow sequence': kind.replace(/(client-key-data: .*\n)/, '$1    as-groups: [dev, ops]\n'),
  'an anchor and an alias': kind.replace('    cluster: kind-kind\n', '    cluster: &name kind-kind\n').replace('    user: kind-kind\n', '    user: *name\n'),
  'a tag': kind.replace('current-context: kind-kind', 'current-context: !!str kind-kind'),
  'a multi-line plain scalar, as gcloud wraps installHint': gke.replace(
    'installHint: Install gke-gcloud-auth-plugin for use with kubectl\n',
    'installHint: Install gke-gcloud-auth-plugin for use with kubectl by following\n        https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke\n',
  ),
  'a multi-line double-quoted scalar': kind.replace('kind: Config', 'kind: "Con\n  fig"'),
  'a multi-line single-quoted scalar': kind.replace('kind: Config', "kind: 'Con\n  fig'"),
  'tabs for indentation': kind.replace('  name: kind-kind\ncontexts', '\tname: kind-kind\ncontexts'),
  'a directive': `%YAML 1.2\n---\n${kind}`,
  'a complex key': kind.replace('preferences: {}', '? preferences\n: {}'),
  'a document end marker': `${kind}...\n`,
  'a second document': `${kind}---\nkind: Config\n`,
  'a duplicate key': kind.replace('kind: Config', 'kind: Config\nkind: Config'),
};

describe('parseSimpleYaml: what it leaves to the yaml package', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simple-yaml-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const [name, text] of Object.entries(unsupported)) {
    it(`refuses ${name}, and the kubeconfig still loads through the yaml package`, async () => {
      expect(() => parseSimpleYaml(text)).toThrow(UnsupportedYamlError);
      const path = join(dir, `${name.replaceAll(/\W+/g, '-')}.yaml`);
      await writeFile(path, text);
      let document: unknown;
      try {
        document = parse(text);
      } catch {
        // Invalid YAML for the full parser too: still a KubeConfigError naming the file.
        const error = (() => {
          try {
            loadKubeconfig(path);
          } catch (thrown) {
            return thrown;
          }
        })();
        expect(error).toBeInstanceOf(KubeConfigError);
        expect((error as KubeConfigError).message).toMatch(new RegExp(`^kubeconfig ${path} is invalid: `));
        return;
      }
      // The same selection as from the same document given as JSON.
      const json = join(dir, `${name.replaceAll(/\W+/g, '-')}.json`);
      await writeFile(json, JSON.stringify(document));
      expect(loadKubeconfig(path)).toStrictEqual(loadKubeconfig(json));
    });
  }

  it('never gives a value the yaml package would not: malformed lines are refused too', () => {
    for (const text of [
      'a: b: c',
      'a: -',
      'a:value\nb: 1',
      'a: "x"#c',
      "a: 'x'y",
      'a: @x',
      'a: x\n  y',
      'a:\n  - x\n  y: 1',
      'a: 1\n  b: 2',
      '- a\nb: 1',
      'a: {}#c',
      '"unterminated',
      'a: "\\q"',
      '1: numeric key',
      '__proto__: x',
      'a: \u0001',
    ]) {
      expect(() => parseSimpleYaml(text), text).toThrow(UnsupportedYamlError);
    }
  });
});
