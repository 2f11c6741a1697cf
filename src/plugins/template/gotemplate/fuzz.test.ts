import { describe, expect, it } from 'vitest';
import { queryFor } from '../../../test-support/request.ts';
import { randomInt, seededRandom } from '../../../test-support/random.ts';
import { RRType } from '../../../dns/constants.ts';
import { TemplateData } from '../data.ts';
import { BUILTINS } from './builtins.ts';
import { executeTemplate, ExecError } from './exec.ts';
import { parseTemplate, TemplateParseError } from './parse.ts';

const SEEDS = [
  '{{ .Name }} 60 IN A {{ .Group.a }}.{{ index .Match 1 }}',
  '{{- if eq .Type "A" -}} {{ printf "%03d" (len .Name) }} {{- else if .Remote }}x{{ else }}{{ .Question }}{{ end }}',
  '{{ parseInt .Group.b 16 8 | print }} {{/* c */}} {{ $.Zone }} {{ (index .Message.Question 0).Qclass }} `raw` \'c\' 0x1f 1.5e3',
];
const ALPHABET = '{}()|."\'`$-_ \n0123456789abcdefxAZ%/*=:,\\';
const ITERATIONS = 3000;

function mutate(random: () => number, text: string): string {
  let out = text;
  for (let edits = 1 + randomInt(random, 4); edits > 0; edits--) {
    const at = randomInt(random, out.length + 1);
    const c = ALPHABET[randomInt(random, ALPHABET.length)]!;
    const kind = randomInt(random, 3);
    out = kind === 0 ? out.slice(0, at) + c + out.slice(at) : kind === 1 ? out.slice(0, at) + out.slice(at + 1) : out.slice(0, at) + c + out.slice(at + 1);
  }
  return out;
}

describe('Go templates under mutation', () => {
  it('parse and run, or fail with a template error: nothing else is thrown', () => {
    const random = seededRandom(20261205);
    const functions = new Set(BUILTINS.keys());
    const match = /^(?<a>[a-z]+)-(?<b>[0-9a-f]+)/.exec('ip-0a.example.')!;
    const data = new TemplateData({ zone: 'example.', regex: '.*', match, class: 'IN', type: 'A' }, queryFor('ip-0a.example', RRType.A), '192.0.2.1');
    let parsed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const text = mutate(random, SEEDS[i % SEEDS.length]!);
      try {
        const tree = parseTemplate('answer', text, functions);
        parsed++;
        executeTemplate(tree, data);
      } catch (error) {
        if (!(error instanceof TemplateParseError || error instanceof ExecError)) throw new Error(`${JSON.stringify(text)} threw ${String(error)}`);
      }
    }
    // The mutations keep some templates valid, so running them is exercised too.
    expect(parsed).toBeGreaterThan(ITERATIONS / 10);
  });
});
