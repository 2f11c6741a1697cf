import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../corefile/parse.ts';
import { silentLogger } from '../log.ts';
import { plugins } from '../test-support/plugins.ts';
import type { PluginDefinition } from '../toolkit/types.ts';
import { validateCorefile } from './validate.ts';

/** A plugin whose setup would reach a remote service and whose validate only checks its argument. */
const remote: PluginDefinition<string> = {
  name: 'remote',
  once: true,
  parse: (directive) => directive.args[0]?.text ?? '',
  setup: () => {
    throw new Error('setup called: it would reach the remote service');
  },
  validate: (address) => {
    if (address === 'bad') throw new Error(`cannot reach ${address}`);
    return {};
  },
};

const registry = new Map(plugins).set('remote', remote as PluginDefinition);

function check(text: string) {
  return validateCorefile(parseCorefile(text, 'Corefile'), { logger: silentLogger, registry });
}

describe('validateCorefile', () => {
  it("sets plugins up with their validate() where they have one, never their setup's side effects", async () => {
    expect(await check('. {\n remote good\n whoami\n}\n')).toEqual({ problems: [], blocks: 1, directives: 2 });
  });

  it('reports a setup problem per block, with the directive\'s file and line', async () => {
    const report = await check('a.test {\n whoami\n remote bad\n}\nb.test {\n remote bad\n}\n');
    expect(report.problems.map((problem) => problem.message)).toEqual([
      'Corefile:3 - plugin/remote: cannot reach bad',
      'Corefile:6 - plugin/remote: cannot reach bad',
    ]);
  });

  it('reports every key and directive that does not parse, and a once-only plugin used twice', async () => {
    const report = await check('grpc://. {\n remote a\n remote b\n nosuch\n}\n');
    expect(report.problems.map((problem) => problem.line)).toEqual([1, 3, 4]);
    expect(report.problems[1]!.message).toContain('this plugin can only be used once per Server Block');
  });

  it('reports sites that overlap once everything parses', async () => {
    const report = await check('example.org:1053 {\n whoami\n}\nexample.org:1053 {\n whoami\n}\n');
    expect(report.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/^Corefile:4 .*already defined/)]);
  });
});
