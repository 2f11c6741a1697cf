import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test-support/errors.ts';
import { BUILTINS, parseUint } from './builtins.ts';
import { executeTemplate, ExecError } from './exec.ts';
import { nodeText } from './nodes.ts';
import { parseTemplate, TemplateParseError } from './parse.ts';
import { sprintf } from './printf.ts';
import { formatFloat, GoFloat, GoMap, GoSlice, GoStruct, type GoMethod, type GoValue } from './values.ts';

const FUNCTIONS = new Set(BUILTINS.keys());

/** A stand-in for CoreDNS's *template.templateData. */
class Data extends GoStruct {
  readonly typeName = '*template.templateData';
  field(name: string): GoValue | undefined {
    switch (name) {
      case 'Name':
        return 'ip-10-95-12-8.example.';
      case 'Match':
        return new GoSlice('string', ['ip-10-95-12-8.example.', '95']);
      case 'Group':
        return new GoMap('string', new Map([['0', 'ip-10-95-12-8.example.'], ['1', '95'], ['b', '95']]), '');
      case 'Count':
        return 3;
      default:
        return undefined;
    }
  }
  override method(name: string): GoMethod | undefined {
    return name === 'Meta' ? { params: ['string'], call: ([key]) => (key === 'foo' ? 'myfoo' : '') } : undefined;
  }
  override unexported(name: string): boolean {
    return name === 'md';
  }
  text(): null {
    return null;
  }
}

function run(text: string, name = 'answer'): string {
  return executeTemplate(parseTemplate(name, text, FUNCTIONS), new Data());
}

function execError(text: string): string {
  return thrownBy(ExecError, () => run(text)).message;
}

function parseError(text: string): string {
  return thrownBy(TemplateParseError, () => parseTemplate('answer', text, FUNCTIONS)).message;
}

describe('Go templates: evaluating', () => {
  it('reads fields, slices by index and maps by field or index', () => {
    expect(run('{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ index .Match 1 }}.{{ index .Group "1" }}')).toBe('ip-10-95-12-8.example. 60 IN A 10.95.95.95');
    expect(run('{{ $.Name }}|{{ .Match }}|{{ .Group }}')).toBe('ip-10-95-12-8.example.|[ip-10-95-12-8.example. 95]|map[0:ip-10-95-12-8.example. 1:95 b:95]');
  });

  it('prints a missing map key as <no value> and indexes it as the zero value, as Go does', () => {
    expect(run('{{ .Group.nope }}|{{ index .Group "nope" }}|{{ print .Group.nope }}|{{ .Group.nope.deeper }}')).toBe('<no value>||<nil>|<no value>');
  });

  it("calls methods and functions, pipelines handing each stage's value on as the last argument", () => {
    expect(run('{{ .Meta "foo" }}-{{ .Meta "bar" }}')).toBe('myfoo-');
    expect(run('{{ parseInt "5f" 16 8 }}.{{ 8 | parseInt "0c" 16 }}')).toBe('95.12');
    expect(run('{{ .Group.b | printf "%s-%s" "a" }}|{{ (index .Match 1) | len }}|{{ printf "%03d" .Count }}')).toBe('a-95|2|003');
  });

  it('compares and branches', () => {
    expect(run('{{ if eq .Count 3 }}three{{ else }}other{{ end }}')).toBe('three');
    expect(run('{{ if lt .Count 2 }}a{{ else if gt .Count 2 }}b{{ else }}c{{ end }}')).toBe('b');
    expect(run('{{ if and .Group.nope .Count }}x{{ end }}{{ or .Group.nope "fallback" }}|{{ not .Count }}')).toBe('fallback|false');
    expect(run('{{ eq (parseInt "10" 10 8) 10 }} {{ ne .Name "x" }} {{ le 2 2 }} {{ ge "b" "a" }}')).toBe('true true true true');
  });

  it('trims around trim markers and drops comments', () => {
    expect(run('a  {{- .Count -}}  b {{/* gone */}}c{{- /* gone */ -}} d')).toBe('a3b cd');
  });

  it('fails as Go does, naming the place and the action', () => {
    expect(thrownBy(ExecError, () => run('{{ .Name }} 60 IN TXT "{{ index .Match 2 }}"')).message).toBe(
      'template: answer:1:26: executing "answer" at <index .Match 2>: error calling index: index out of range: 2',
    );
    expect(execError('{{ .Name }} 60 IN TXT "{{ parseInt "gg" 16 8 }}"')).toBe(
      'template: answer:1:26: executing "answer" at <parseInt "gg" 16 8>: error calling parseInt: strconv.ParseUint: parsing "gg": invalid syntax',
    );
    expect(execError('{{ .Grup.d }}')).toBe('template: answer:1:3: executing "answer" at <.Grup.d>: can\'t evaluate field Grup in type *template.templateData');
    expect(execError('{{ .md }}')).toBe('template: answer:1:3: executing "answer" at <.md>: md is an unexported field of struct type *template.templateData');
    expect(execError('{{ .Name.x }}')).toBe('template: answer:1:3: executing "answer" at <.Name.x>: can\'t evaluate field x in type string');
    expect(execError('{{ .Name 1 }}')).toBe('template: answer:1:3: executing "answer" at <.Name>: Name has arguments but cannot be invoked as function');
    expect(execError('{{ parseInt .Match 10 8 }}')).toBe('template: answer:1:12: executing "answer" at <.Match>: wrong type for value; expected string; got []string');
    expect(execError('{{ parseInt "1" "10" 8 }}')).toBe('template: answer:1:16: executing "answer" at <"10">: expected integer; found "10"');
    expect(execError('{{ parseInt "1" }}')).toBe('template: answer:1:3: executing "answer" at <parseInt>: wrong number of args for parseInt: want 3 got 1');
    expect(execError('x\n {{ eq .Name 1 }}')).toBe('template: answer:2:4: executing "answer" at <eq .Name 1>: error calling eq: incompatible types for comparison');
    expect(execError('{{ . }}')).toBe('template: answer:1:3: executing "answer" at <{{.}}>: clusterdns does not print a *template.templateData whole');
  });
});

describe('Go templates: parsing', () => {
  it("prints a tree back as Go's Node.String(), which CoreDNS labels its metrics with", () => {
    const tree = parseTemplate('answer', '{{ .Name }} 60 IN A {{index .Match 1}} {{ "x" | printf "%s" }}{{ if .Count }}y{{ else }}n{{ end }}', FUNCTIONS);
    expect(nodeText(tree.root)).toBe('{{.Name}} 60 IN A {{index .Match 1}} {{"x" | printf "%s"}}{{if .Count}}y{{else}}n{{end}}');
  });

  it('refuses what Go refuses, worded as Go words it', () => {
    expect(parseError('{{')).toBe('template: answer:1: unclosed action');
    expect(parseError('{{ notAFunction }}')).toBe('template: answer:1: function "notAFunction" not defined');
    expect(parseError('{{ }}')).toBe('template: answer:1: missing value for command');
    expect(parseError('{{ .Name | "x" }}')).toBe('template: answer:1: non executable command in pipeline stage 2');
    expect(parseError('{{ end }}')).toBe('template: answer:1: unexpected {{end}}');
    expect(parseError('{{ if .Name }}x')).toBe('template: answer:1: unexpected EOF');
    expect(parseError('a\n{{ $x }}')).toBe('template: answer:2: undefined variable "$x"');
    expect(parseError('{{ "open }}')).toBe('template: answer:1: unterminated quoted string');
    expect(parseError('{{ 09 }}')).toBe('template: answer:1: illegal number syntax: "09"');
    expect(parseError('{{ 0x }}')).toBe('template: answer:1: illegal number syntax: "0x"');
    expect(parseError('{{ - }}')).toBe('template: answer:1: bad number syntax: "- "');
  });

  it('refuses what clusterdns leaves out, by name', () => {
    expect(parseError('{{ range .Match }}{{ end }}')).toBe('template: answer:1: clusterdns does not support {{range}}');
    expect(parseError('{{ $x := .Name }}')).toBe('template: answer:1: clusterdns does not support variables other than $');
    expect(parseError('{{ html .Name }}')).toBe('template: answer:1: clusterdns does not support the function "html"');
  });

  it('reads numbers and strings as Go does', () => {
    expect(run('{{ 0x1F }} {{ 017 }} {{ 1_000 }} {{ 1.5 }} {{ 1e6 }} {{ \'a\' }} {{ "t\\x41b\\u00e9" }} {{ `raw\\n` }}')).toBe('31 15 1000 1.5 1e+06 97 tAbé raw\\n');
  });
});

describe('Go templates: parseInt, printf, floats', () => {
  it("is strconv.ParseUint: bases, bit sizes and Go's errors", () => {
    expect([parseUint('ff', 16, 8), parseUint('0x_1f', 0, 0), parseUint('0b101', 0, 8), parseUint('017', 0, 64), parseUint('18446744073709551615', 10, 64)]).toEqual([255n, 31n, 5n, 15n, 2n ** 64n - 1n]);
    expect(() => parseUint('256', 10, 8)).toThrow('strconv.ParseUint: parsing "256": value out of range');
    expect(() => parseUint('-1', 10, 8)).toThrow('strconv.ParseUint: parsing "-1": invalid syntax');
    expect(() => parseUint('1', 1, 8)).toThrow('strconv.ParseUint: parsing "1": invalid base 1');
    expect(() => parseUint('1_0', 10, 8)).toThrow('invalid syntax');
  });

  it("formats as fmt.Sprintf, misuse included", () => {
    expect(sprintf('%s|%5s|%-3d|%x|%X|%#x|%o|%b|%q|%t|%c|%%|%v', ['a', 'b', 7, 255, 'hi', 255, 8, 5, 'q', true, 65, new GoSlice('string', ['x', 'y'])])).toBe(
      'a|    b|7  |ff|6869|0xff|10|101|"q"|true|A|%|[x y]',
    );
    expect(sprintf('%d %s %d', ['x', 1])).toBe('%!d(string=x) %!s(int=1) %!d(MISSING)');
    expect(sprintf('%d', [1, 2])).toBe('1%!(EXTRA int=2)');
    expect(sprintf('%.2f %e %g', [new GoFloat(1.005), new GoFloat(1234.5), new GoFloat(0.00001)])).toBe('1.00 1.234500e+03 1e-05');
  });

  it('prints floats as %v does', () => {
    expect([1, 1.5, 1e6, 123456, 1e-5, 0.0001, -2.5e21].map(formatFloat)).toEqual(['1', '1.5', '1e+06', '123456', '1e-05', '0.0001', '-2.5e+21']);
  });
});
