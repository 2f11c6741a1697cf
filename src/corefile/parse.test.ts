import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownBy } from '../test-support/errors.ts';
import { CorefileReadError } from './errors.ts';
import { loadCorefile, parseCorefile, type ParseOptions } from './parse.ts';
import { CorefileError, type Corefile, type Directive } from './types.ts';

/** A directive as [name, args, nested] for compact expectations; nested is omitted when there is no block. */
type Shape = [string, string[]] | [string, string[], Shape[]];

function shapeOf(directive: Directive): Shape {
  const head: [string, string[]] = [directive.name.text, directive.args.map((arg) => arg.text)];
  return directive.block === null ? head : [...head, directive.block.map(shapeOf)];
}

function shape(corefile: Corefile) {
  return corefile.blocks.map((block) => ({
    keys: block.keys.map((key) => key.text),
    directives: block.directives.map(shapeOf),
  }));
}

const parse = (text: string, options: ParseOptions = { env: {} }) => parseCorefile(text, 'Corefile', options);

function parseError(text: string, options: ParseOptions = { env: {} }): CorefileError {
  return thrownBy(CorefileError, () => parse(text, options));
}

const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;

/** The same Corefile written compressed, with one-line and mixed blocks (shared with test/forward/kubeadm.test.ts). */
const COMPRESSED_KUBEADM_COREFILE = readFileSync(new URL('../test-support/kubeadm-compressed.Corefile', import.meta.url), 'utf8');

describe('parseCorefile: structure', () => {
  it('parses the kubeadm default Corefile', () => {
    const corefile = parse(KUBEADM_COREFILE);
    expect(corefile.file).toBe('Corefile');
    expect(corefile.files).toEqual(['Corefile']);
    expect(shape(corefile)).toEqual([
      {
        keys: ['.:53'],
        directives: [
          ['errors', []],
          ['health', [], [['lameduck', ['5s']]]],
          ['ready', []],
          [
            'kubernetes',
            ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
            [
              ['pods', ['insecure']],
              ['fallthrough', ['in-addr.arpa', 'ip6.arpa']],
              ['ttl', ['30']],
            ],
          ],
          ['prometheus', [':9153']],
          ['forward', ['.', '/etc/resolv.conf'], [['max_concurrent', ['1000']]]],
          [
            'cache',
            ['30'],
            [
              ['disable', ['success', 'cluster.local']],
              ['disable', ['denial', 'cluster.local']],
            ],
          ],
          ['loop', []],
          ['reload', []],
          ['loadbalance', []],
        ],
      },
    ]);
  });

  it('keeps file and line on every token', () => {
    const [block] = parse(KUBEADM_COREFILE).blocks;
    const kubernetes = block?.directives[3];
    expect(kubernetes?.name).toEqual({ text: 'kubernetes', file: 'Corefile', line: 7, quoted: false });
    expect(kubernetes?.args[2]).toEqual({ text: 'ip6.arpa', file: 'Corefile', line: 7, quoted: false });
    expect(kubernetes?.block?.[2]?.args[0]).toEqual({ text: '30', file: 'Corefile', line: 10, quoted: false });
    expect(block?.keys[0]).toEqual({ text: '.:53', file: 'Corefile', line: 1, quoted: false });
  });

  it('parses the compressed kubeadm Corefile to the same directives, each token on its own line', () => {
    const compressed = parse(COMPRESSED_KUBEADM_COREFILE);
    expect(shape(compressed)).toEqual(shape(parse(KUBEADM_COREFILE)));
    const directives = compressed.blocks[0]?.directives ?? [];
    const lineOf = (name: string) => directives.find((d) => d.name.text === name);
    expect(lineOf('health')?.block?.[0]?.name).toEqual({ text: 'lameduck', file: 'Corefile', line: 3, quoted: false });
    expect(lineOf('forward')?.block?.[0]?.args[0]?.line).toBe(11);
    expect(lineOf('cache')?.block?.map((d) => [d.name.line, d.args.at(-1)?.line])).toEqual([
      [12, 12],
      [13, 13],
    ]);
    expect(lineOf('loop')?.name.line).toBe(14);
  });

  it('reads one-line server blocks and server blocks whose braces share lines with directives', () => {
    expect(shape(parse('. { whoami }\n'))).toEqual([{ keys: ['.'], directives: [['whoami', []]] }]);
    expect(shape(parse('.:53 { errors\n  whoami }\n'))).toEqual([{ keys: ['.:53'], directives: [['errors', []], ['whoami', []]] }]);
    expect(shape(parse('a.org b.org { log . {combined} }\n'))).toEqual([
      { keys: ['a.org', 'b.org'], directives: [['log', ['.', '{combined}']]] },
    ]);
    expect(shape(parse('. { }\nexample.org {\n  whoami }\n'))).toEqual([
      { keys: ['.'], directives: [] },
      { keys: ['example.org'], directives: [['whoami', []]] },
    ]);
  });

  it('mixes one-line, half-open and multi-line blocks, and closes two blocks with `} }`', () => {
    const text = [
      '. { forward . 1.1.1.1 { max_fails 2',
      '    health_check 5s }',
      '  cache { success 10 } }',
      'b.org {',
      '  outer a { middle { inner c d } }',
      '  empty { }',
      '  template "}" "{" }',
    ].join('\n');
    expect(shape(parse(text))).toEqual([
      {
        keys: ['.'],
        directives: [
          ['forward', ['.', '1.1.1.1'], [['max_fails', ['2']], ['health_check', ['5s']]]],
          ['cache', [], [['success', ['10']]]],
        ],
      },
      {
        keys: ['b.org'],
        directives: [
          ['outer', ['a'], [['middle', [], [['inner', ['c', 'd']]]]]],
          ['empty', [], []],
          ['template', ['}', '{']],
        ],
      },
    ]);
  });

  it('reads several server blocks, keys separated by spaces, commas, or a trailing comma before the next line', () => {
    const text = [
      'a.org b.org:1053 {',
      '  whoami',
      '}',
      'c.org, d.org,e.org {',
      '  log',
      '}',
      'dns://f.org,',
      '   g.org {',
      '  errors',
      '}',
    ].join('\n');
    expect(shape(parse(text))).toEqual([
      { keys: ['a.org', 'b.org:1053'], directives: [['whoami', []]] },
      { keys: ['c.org', 'd.org', 'e.org'], directives: [['log', []]] },
      { keys: ['dns://f.org', 'g.org'], directives: [['errors', []]] },
    ]);
  });

  it('lets a lone server block leave out its braces', () => {
    expect(shape(parse('.:1053\nwhoami\nforward . 1.1.1.1 {\n  max_fails 2\n}\n'))).toEqual([
      { keys: ['.:1053'], directives: [['whoami', []], ['forward', ['.', '1.1.1.1'], [['max_fails', ['2']]]]] },
    ]);
  });

  it('accepts a server block of keys only, and an opening brace on the line after the keys', () => {
    expect(shape(parse('.:53'))).toEqual([{ keys: ['.:53'], directives: [] }]);
    expect(shape(parse('.:53\n{\n  whoami\n}\n'))).toEqual([{ keys: ['.:53'], directives: [['whoami', []]] }]);
    expect(shape(parse('. {\n}\n'))).toEqual([{ keys: ['.'], directives: [] }]);
  });

  it('nests directive blocks', () => {
    const text = '. {\n  outer a {\n    middle b {\n      inner c d\n    }\n    sibling\n  }\n  empty {\n  }\n}\n';
    expect(shape(parse(text))).toEqual([
      {
        keys: ['.'],
        directives: [
          ['outer', ['a'], [['middle', ['b'], [['inner', ['c', 'd']]]], ['sibling', []]]],
          ['empty', [], []],
        ],
      },
    ]);
  });

  it('treats quoted braces as arguments and keeps quoted spaces and comment characters', () => {
    const text = '. {\n  log . "{remote} {type} # {name}" "{"\n  template "}"\n}\n';
    const [block] = parse(text).blocks;
    expect(block?.directives.map(shapeOf)).toEqual([
      ['log', ['.', '{remote} {type} # {name}', '{']],
      ['template', ['}']],
    ]);
    expect(block?.directives[0]?.args[1]?.quoted).toBe(true);
  });

  it('starts a new directive at a quoted token that begins its line', () => {
    const text = '"a.org" {\n  hosts {\n    "10.0.0.1" one.a.org\n    "10.0.0.2" two.a.org\n  }\n}\n';
    expect(shape(parse(text))).toEqual([
      {
        keys: ['a.org'],
        directives: [['hosts', [], [['10.0.0.1', ['one.a.org']], ['10.0.0.2', ['two.a.org']]]]],
      },
    ]);
  });

  it('ignores comments anywhere', () => {
    const text = '# header\n. { # the root\n  # a comment line\n  whoami # trailing\n} # end\n# footer';
    expect(shape(parse(text))).toEqual([{ keys: ['.'], directives: [['whoami', []]] }]);
  });

  it('continues a directive line after a multi-line quoted argument', () => {
    const [block] = parse('. {\n  hosts "a\nb" c\n  next\n}\n').blocks;
    expect(block?.directives.map(shapeOf)).toEqual([
      ['hosts', ['a\nb', 'c']],
      ['next', []],
    ]);
  });
});

describe('parseCorefile: environment substitution', () => {
  const env = { ZONE: 'cluster.local', PORT: '1053', PLUGIN: 'whoami', UPSTREAM: '1.1.1.1 8.8.8.8', EMPTY: '' };

  it('substitutes {$VAR} and {%VAR%} in keys, directive names and arguments, quoted or not', () => {
    const text = '{$ZONE}:{%PORT%} {\n  {$PLUGIN}\n  forward . "{$UPSTREAM}" {$UPSTREAM}\n}\n';
    expect(shape(parse(text, { env }))).toEqual([
      {
        keys: ['cluster.local:1053'],
        directives: [['whoami', []], ['forward', ['.', '1.1.1.1 8.8.8.8', '1.1.1.1 8.8.8.8']]],
      },
    ]);
  });

  it('drops keys that are empty after substitution but keeps empty arguments', () => {
    const text = '{$UNSET} {$ZONE} {\n  log {$UNSET} x\n}\n';
    expect(shape(parse(text, { env }))).toEqual([{ keys: ['cluster.local'], directives: [['log', ['', 'x']]] }]);
  });

  it('uses process.env by default', () => {
    process.env.CLUSTERDNS_PARSE_TEST_ZONE = 'from.process';
    try {
      expect(shape(parseCorefile('{$CLUSTERDNS_PARSE_TEST_ZONE} {\n}\n', 'Corefile'))[0]?.keys).toEqual([
        'from.process',
      ]);
    } finally {
      delete process.env.CLUSTERDNS_PARSE_TEST_ZONE;
    }
  });

  it('rejects a server block whose keys are all empty', () => {
    const error = parseError('\n{$UNSET} {$EMPTY} {\n  whoami\n}\n', { env });
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/server block has no key/);
  });
});

describe('parseCorefile: snippets', () => {
  it('expands a snippet in a server block, in a directive block and at top level', () => {
    const text = [
      '(common) {',
      '  errors',
      '  cache 30 {',
      '    denial 100',
      '  }',
      '}',
      '(props) {',
      '  pods insecure',
      '}',
      '(server) {',
      '  b.org {',
      '    log',
      '  }',
      '}',
      'a.org {',
      '  import common',
      '  kubernetes cluster.local {',
      '    import props',
      '    ttl 5',
      '  }',
      '}',
      'import server',
    ].join('\n');
    expect(shape(parse(text))).toEqual([
      {
        keys: ['a.org'],
        directives: [
          ['errors', []],
          ['cache', ['30'], [['denial', ['100']]]],
          ['kubernetes', ['cluster.local'], [['pods', ['insecure']], ['ttl', ['5']]]],
        ],
      },
      { keys: ['b.org'], directives: [['log', []]] },
    ]);
  });

  it('keeps the snippet line numbers on expanded tokens and expands the same snippet twice in a row', () => {
    const text = '(s) {\n  whoami\n}\n. {\n  import s\n  import s\n  log\n}\n';
    const [block] = parse(text).blocks;
    expect(block?.directives.map((d) => [d.name.text, d.name.line])).toEqual([
      ['whoami', 2],
      ['whoami', 2],
      ['log', 7],
    ]);
  });

  it('substitutes the environment in snippet names and snippet bodies where they are used', () => {
    const text = '(s) {\n  forward . {$UP}\n}\n. {\n  import {$NAME}\n}\n';
    expect(shape(parse(text, { env: { UP: '9.9.9.9', NAME: 's' } }))).toEqual([
      { keys: ['.'], directives: [['forward', ['.', '9.9.9.9']]] },
    ]);
  });

  it('defines and imports snippets on one line, including a snippet whose first line is an import', () => {
    const text = '(leaf) { log }\n(tree) { import leaf\n  cache { success 10 } }\n. { import tree }\n';
    expect(shape(parse(text))).toEqual([{ keys: ['.'], directives: [['log', []], ['cache', [], [['success', ['10']]]]] }]);
  });

  it('rejects a snippet defined twice, a snippet without a block, and snippets importing each other', () => {
    expect(parseError('(s) {\n}\n(s) {\n}\n').message).toBe(
      'Corefile:3 - Error during parsing: snippet (s) is already defined',
    );
    expect(parseError('(s)\nwhoami\n').message).toMatch(/^Corefile:2 - .*snippet \(s\) needs a '\{' block/);
    const cycle = parseError('(a) {\n  import b\n}\n(b) {\n  import a\n}\n. {\n  import a\n}\n');
    expect(cycle.message).toBe('Corefile:5 - Error during parsing: import cycle: (a) -> (b) -> (a)');
    expect(parseError('(a) {\n  import a\n}\n. {\n  import a\n}\n').message).toMatch(/import cycle: \(a\) -> \(a\)/);
  });

  it('stops snippets that double at every level before they exhaust memory', () => {
    const levels = Array.from({ length: 20 }, (_, i) => `(s${i + 1}) {\n  import s${i}\n  import s${i}\n}`);
    const text = ['(s0) {\n  log\n}', ...levels, '. {\n  import s20\n}'].join('\n');
    expect(parseError(text).message).toMatch(/import: more than 10000 imports/);
  });

  it('does not count a snippet used twice in one block as a cycle', () => {
    const text = '(leaf) {\n  log\n}\n(pair) {\n  import leaf\n  import leaf\n}\n. {\n  import pair\n  import pair\n}\n';
    expect(shape(parse(text))[0]?.directives).toHaveLength(4);
  });
});

describe('parseCorefile: imports', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-corefile-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  it('imports whole server blocks, directives and directive-block lines, relative to the importing file', () => {
    write('blocks.conf', 'b.org {\n  whoami\n}\n');
    write('conf.d/plugins.conf', 'errors\nimport nested/props.conf\n');
    write('conf.d/nested/props.conf', 'unused\n');
    write('conf.d/nested/props.conf', 'log\n');
    write('k8s.conf', 'pods verified\n');
    const main = write(
      'Corefile',
      'import blocks.conf\na.org {\n  import conf.d/plugins.conf\n  kubernetes {\n    import k8s.conf\n  }\n}\n',
    );
    const corefile = loadCorefile(main, { env: {} });
    expect(shape(corefile)).toEqual([
      { keys: ['b.org'], directives: [['whoami', []]] },
      {
        keys: ['a.org'],
        directives: [
          ['errors', []],
          ['log', []],
          ['kubernetes', [], [['pods', ['verified']]]],
        ],
      },
    ]);
    expect(corefile.files).toEqual([
      main,
      join(dir, 'blocks.conf'),
      join(dir, 'conf.d/plugins.conf'),
      join(dir, 'conf.d/nested/props.conf'),
      join(dir, 'k8s.conf'),
    ]);
    const errors = corefile.blocks[1]?.directives[0];
    expect(errors?.name.file).toBe(join(dir, 'conf.d/plugins.conf'));
    expect(errors?.name.line).toBe(1);
  });

  it('imports every file a glob matches, in sorted order, and accepts an absolute pattern', () => {
    write('zones/b.conf', 'b.org {\n}\n');
    write('zones/a.conf', 'a.org {\n}\n');
    write('zones/c.txt', 'c.org {\n}\n');
    const main = write('Corefile', `import zones/*.conf\nimport ${join(dir, 'zones', '?.txt')}\n`);
    expect(shape(loadCorefile(main, { env: {} })).map((block) => block.keys[0])).toEqual(['a.org', 'b.org', 'c.org']);
  });

  it('warns and imports nothing when a glob matches nothing', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const main = write('Corefile', '. {\n  import missing/*.conf\n  whoami\n}\n');
    expect(shape(loadCorefile(main, { env: {}, logger }))[0]?.directives).toEqual([['whoami', []]]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ pattern: 'missing/*.conf', line: 2, file: main });
  });

  it('substitutes the environment in the import pattern', () => {
    write('conf.d/zone.conf', 'env.org {\n}\n');
    const main = write('Corefile', 'import {$CONF_DIR}/*.conf\n');
    expect(shape(loadCorefile(main, { env: { CONF_DIR: 'conf.d' } }))[0]?.keys).toEqual(['env.org']);
  });

  it('imports the same file twice without calling it a cycle', () => {
    write('log.conf', 'log\n');
    write('both.conf', 'import log.conf\nimport log.conf\n');
    const main = write('Corefile', '. {\n  import both.conf\n  import log.conf\n}\n');
    const corefile = loadCorefile(main, { env: {} });
    expect(shape(corefile)[0]?.directives).toEqual([['log', []], ['log', []], ['log', []]]);
    expect(corefile.files).toEqual([main, join(dir, 'both.conf'), join(dir, 'log.conf')]);
  });

  it('rejects an import cycle, naming the import line and the chain, even when the import is the last line', () => {
    write('a.conf', 'whoami\nimport b.conf');
    write('b.conf', 'import a.conf');
    const main = write('Corefile', '. {\n  import a.conf\n}\n');
    const error = catchError(() => loadCorefile(main, { env: {} }));
    expect(error.file).toBe(join(dir, 'b.conf'));
    expect(error.line).toBe(1);
    expect(error.message).toContain(`import cycle: ${join(dir, 'a.conf')} -> ${join(dir, 'b.conf')} -> ${join(dir, 'a.conf')}`);
  });

  it('rejects a Corefile that imports itself through a glob', () => {
    const main = write('Corefile', 'import Core*\n');
    expect(catchError(() => loadCorefile(main, { env: {} })).message).toContain(`import cycle: ${main} -> ${main}`);
  });

  it('rejects an import of a missing file or of a directory, naming the import line', () => {
    const main = write('Corefile', '. {\n  whoami\n  import nope.conf\n}\n');
    const missing = catchError(() => loadCorefile(main, { env: {} }));
    expect(missing.message).toBe(
      `${main}:3 - Error during parsing: import: file not found: ${join(dir, 'nope.conf')} and no snippet of that name is defined above`,
    );
    mkdirSync(join(dir, 'sub'));
    const directory = write('Corefile', '. {\n  import sub\n}\n');
    expect(catchError(() => loadCorefile(directory, { env: {} })).message).toMatch(/:2 - .*is a directory/);
  });

  it('reports errors inside an imported file with that file and line', () => {
    write('bad.conf', 'log\ncache { } 30\n');
    const main = write('Corefile', '. {\n  import bad.conf\n}\n');
    const error = catchError(() => loadCorefile(main, { env: {} }));
    expect(error.file).toBe(join(dir, 'bad.conf'));
    expect(error.line).toBe(2);
  });

  it('uses the injected readFile and glob', () => {
    const files: Record<string, string> = { '/virtual/one.conf': 'one.org {\n}\n', '/virtual/two.conf': 'two.org {\n}\n' };
    const readFile = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    };
    const corefile = parseCorefile('import *.conf\n', '/virtual/Corefile', {
      env: {},
      readFile,
      glob: (pattern) => (pattern === '/virtual/*.conf' ? Object.keys(files).sort() : []),
    });
    expect(shape(corefile).map((block) => block.keys[0])).toEqual(['one.org', 'two.org']);
    expect(corefile.files).toEqual(['/virtual/Corefile', '/virtual/one.conf', '/virtual/two.conf']);
  });

  it('rejects import without an argument, with two, or with an empty one', () => {
    expect(parseError('. {\n  import\n}\n').message).toMatch(/^Corefile:2 - .*import: expected a file/);
    expect(parseError('. {\n  import a b\n}\n').message).toMatch(/^Corefile:2 - .*import: takes one argument, found 'b'/);
    expect(parseError('. {\n  import {$UNSET}\n}\n').message).toMatch(/^Corefile:2 - .*non-empty/);
  });

  it('loadCorefile throws CorefileReadError for a Corefile it cannot read', () => {
    expect(() => loadCorefile(join(dir, 'absent'))).toThrow(CorefileReadError);
  });
});

describe('parseCorefile: syntax errors name file and line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['stray closing brace at top level', '. {\n}\n}\n', 3, /unexpected '\}': no matching '\{'/],
    ['closing brace with no block open on its line', '. { whoami } }\n', 1, /unexpected '\}': no matching '\{'/],
    ['closing brace after a directive block in a braceless block', '.\nhealth { lameduck 5s } }\n', 2, /unexpected '\}': no matching/],
    ['unclosed server block', '. {\n  whoami\n', 1, /unclosed '\{'/],
    ['unclosed directive block', '. {\n  forward . 1.1.1.1 {\n    max_fails 2\n', 2, /forward: unclosed '\{'/],
    ['server block left open by a directive block', '. {\n  forward . 1.1.1.1 {\n  max_fails 2\n}\n', 1, /unclosed '\{'/],
    ['one-line directive block left open', '. {\n  cache { success 10\n', 2, /cache: unclosed '\{'/],
    ['server block left open by a one-line directive block', '. {\n  cache { success 10 }\n', 1, /unclosed '\{'/],
    // `}}` is one word, as in caddy's lexer: it closes nothing.
    ['two closing braces written as one word', '. { whoami }}\n', 1, /unclosed '\{'/],
    ['block on the line after its directive', '. {\n  cache\n  {\n  }\n}\n', 3, /unexpected '\{': a block opens on the line of its directive/],
    ['block opening a block', '. {\n  cache { { success } }\n}\n', 2, /cache: unexpected '\{'/],
    ['text after a directive block', '. {\n  cache {\n  } 30\n}\n', 3, /cache: unexpected '30' after '\}'/],
    ['text after a one-line directive block', '. {\n  health { lameduck 5s } 30 }\n', 2, /health: unexpected '30' after '\}'/],
    ['a second import argument in a one-line block', '(s) { log }\n. { import s t }\n', 2, /import: takes one argument, found 't'/],
    ['trailing comma before a brace', 'a.org, {\n}\n', 1, /expected another key after 'a.org,'/],
    ['trailing comma at the end', 'a.org,', 1, /expected another key/],
    ['brace without keys', '{\n  whoami\n}\n', 1, /expected server block keys/],
    ['closing brace in a braceless block', '.\nwhoami\n}\n', 3, /unexpected '\}'/],
  ];

  it.each(cases)('%s', (_name, text, line, pattern) => {
    const error = parseError(text);
    expect(error.file).toBe('Corefile');
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^Corefile:${line} - Error during parsing: `));
    expect(error.message).toMatch(pattern);
  });
});

const catchError = (run: () => unknown): CorefileError => thrownBy(CorefileError, run);
