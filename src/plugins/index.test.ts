import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../corefile/parse.ts';
import { directiveNames, loadPlugins, pluginLoaders } from './index.ts';

describe('the compiled-in plugins', () => {
  it('load under the directive name they define', async () => {
    const definitions = await loadPlugins(pluginLoaders.keys());
    expect([...definitions.keys()].sort()).toEqual([...pluginLoaders.keys()].sort());
  });

  it('load only what a Corefile names, leaving out names that are no plugin', async () => {
    const corefile = parseCorefile('. {\n    whoami\n    log\n}\nexample.org {\n    nosuch\n    whoami\n}\n', 'Corefile');
    expect(directiveNames(corefile)).toEqual(new Set(['whoami', 'log', 'nosuch']));
    expect([...(await loadPlugins(directiveNames(corefile))).keys()].sort()).toEqual(['log', 'whoami']);
  });
});
