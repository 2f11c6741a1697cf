/**
 * A reader for the small YAML subset that kubeconfig writers produce (go-yaml for kubectl and
 * client-go, kind, minikube, k3s, the EKS/GKE/AKS CLIs, kubeadm): one document of block mappings
 * and block sequences holding single-line scalars, plain or quoted, and the empty `{}` and `[]`.
 * Plain scalars resolve as in YAML 1.2's core schema, as the `yaml` package's `parse` does.
 *
 * Anything outside that subset throws UnsupportedYamlError rather than give a value that might
 * differ from a full parser's: block scalars, non-empty flow collections, anchors, aliases, tags,
 * multi-line scalars, tabs, directives, more than one document, duplicate keys. The caller then
 * parses with the full `yaml` package, which also reports what is actually invalid.
 */
export class UnsupportedYamlError extends Error {
  constructor(problem: string, line?: number) {
    super(line === undefined ? problem : `${problem} (line ${line})`);
    this.name = 'UnsupportedYamlError';
  }
}

interface Line {
  readonly indent: number;
  /** Without the indentation and trailing whitespace; never empty, never a whole-line comment. */
  readonly text: string;
  readonly number: number;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ',
  '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

export function parseSimpleYaml(source: string): unknown {
  if (/[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(source.replace(/^\ufeff/, ''))) {
    throw new UnsupportedYamlError('tabs or control characters');
  }
  const lines: Line[] = [];
  source.replace(/^\ufeff/, '').split(/\r\n|\r|\n/).forEach((raw, index) => {
    // Only spaces are whitespace here: trim() and \s would also take Unicode spaces a value may hold.
    const text = raw.replace(/^ +| +$/g, '');
    if (text === '' || text.startsWith('#')) return;
    const indent = raw.length - raw.replace(/^ +/, '').length;
    if (indent === 0 && /^(---|\.\.\.)( |$)/.test(text)) {
      // A leading `---` alone starts the one document; anything else is another document or a marker with content.
      if (lines.length === 0 && /^--- *( #.*)?$/.test(text)) return;
      throw new UnsupportedYamlError('a document marker', index + 1);
    }
    if (text.startsWith('%')) throw new UnsupportedYamlError('a directive', index + 1);
    lines.push({ indent, text, number: index + 1 });
  });
  let at = 0;
  const fail = (problem: string): never => {
    throw new UnsupportedYamlError(problem, lines[Math.min(at, lines.length - 1)]?.number);
  };
  const isSequenceItem = (text: string): boolean => text === '-' || text.startsWith('- ');

  /** A quoted scalar at the start of `text`, and where it ends; it must close on this line. */
  function quoted(text: string): { value: string; end: number } {
    const quote = text[0];
    let value = '';
    for (let i = 1; i < text.length; i++) {
      const char = text[i]!;
      if (quote === "'" && char === "'") {
        if (text[i + 1] !== "'") return { value, end: i + 1 };
        value += "'";
        i++;
      } else if (quote === '"' && char === '"') {
        return { value, end: i + 1 };
      } else if (quote === '"' && char === '\\') {
        const escape = text[++i] ?? '';
        const digits = HEX_DIGITS[escape];
        if (digits !== undefined) {
          const hex = text.slice(i + 1, i + 1 + digits);
          const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : 0x110000;
          if (code > 0x10ffff) fail('a bad escape');
          value += String.fromCodePoint(code);
          i += digits;
        } else {
          value += ESCAPES[escape] ?? fail(`the escape \\${escape}`);
        }
      } else {
        value += char;
      }
    }
    return fail('a quoted scalar spanning lines');
  }

  /** A scalar or empty flow collection making up the rest of a line, comment included. */
  function scalar(text: string): unknown {
    if (text.startsWith('"') || text.startsWith("'")) {
      const { value, end } = quoted(text);
      if (!/^( +(#.*)?)?$/.test(text.slice(end))) fail('text after a quoted scalar');
      return value;
    }
    const plain = text.replace(/(^| +)#.*$/, '');
    if (/^(\{\}|\[\])$/.test(plain)) return plain === '{}' ? {} : [];
    if (/^[[\]{},&*!|>'"%@`#]/.test(plain) || /^[-?:]( |$)/.test(plain)) fail(`the scalar ${plain}`);
    if (/:( |$)/.test(plain)) fail('a mapping inside a plain scalar');
    if (/^(~|[Nn]ull|NULL)?$/.test(plain)) return null;
    if (/^([Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(plain)) return plain[0] === 't' || plain[0] === 'T';
    if (/^[-+]?[0-9]+$/.test(plain)) return parseInt(plain, 10);
    if (/^0o[0-7]+$/.test(plain)) return parseInt(plain.slice(2), 8);
    if (/^0x[0-9a-fA-F]+$/.test(plain)) return parseInt(plain.slice(2), 16);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(plain)) return plain.startsWith('-') ? -Infinity : Infinity;
    if (/^\.(nan|NaN|NAN)$/.test(plain)) return NaN;
    if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return parseFloat(plain);
    return plain;
  }

  /** `key: rest` at the start of a line, or undefined when the line holds no key. */
  function entry(text: string): { key: string; rest: string } | undefined {
    let key: unknown;
    let end: number;
    if (text.startsWith('"') || text.startsWith("'")) {
      ({ value: key, end } = quoted(text));
      if (text[end] !== ':') return undefined;
    } else {
      const match = /^(.*?)(:( |$)| #|$)/.exec(text)!;
      if (!match[2]?.startsWith(':')) return undefined;
      end = match[1]!.length;
      key = scalar(match[1]!.replace(/ +$/, ''));
    }
    if (typeof key !== 'string' || key === '' || key === '__proto__' || key === '<<') fail('a key that is not a plain string');
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(' ')) return undefined;
    return { key: key as string, rest: rest.replace(/^ +/, '').replace(/^#.*/, '') };
  }

  /** The block at line `at`, whose indentation is `indent`. */
  function block(indent: number): unknown {
    const line = lines[at]!;
    if (isSequenceItem(line.text)) return sequence(indent);
    if (entry(line.text)) return mapping(indent);
    at++;
    return scalar(line.text);
  }

  /** A value after `key:` or `-`: on the same line, else a block below (or, for a key, a sequence level with it). */
  function value(rest: string, indent: number, isKey: boolean): unknown {
    if (rest !== '') return scalar(rest);
    const next = lines[at];
    if (next && next.indent > indent) return block(next.indent);
    if (next && isKey && next.indent === indent && isSequenceItem(next.text)) return sequence(indent);
    return null;
  }

  function mapping(indent: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    while (lines[at] && lines[at]!.indent === indent) {
      const found = entry(lines[at]!.text) ?? fail('a line that is not a key');
      if (Object.hasOwn(result, found.key)) fail(`the duplicate key ${found.key}`);
      at++;
      result[found.key] = value(found.rest, indent, true);
      if (lines[at] && lines[at]!.indent > indent) fail('a continued scalar or misaligned line');
    }
    return result;
  }

  function sequence(indent: number): unknown[] {
    const result: unknown[] = [];
    while (lines[at] && lines[at]!.indent === indent && isSequenceItem(lines[at]!.text)) {
      const { text, number } = lines[at]!;
      const content = text.slice(1).replace(/^ +/, '');
      if (content === '' || content.startsWith('#')) {
        at++;
        result.push(value('', indent, false));
      } else {
        // `- key: value`: the item is a block starting at the column of its content.
        lines[at] = { indent: indent + text.length - content.length, text: content, number };
        result.push(block(lines[at]!.indent));
      }
      if (lines[at] && lines[at]!.indent > indent) fail('a continued scalar or misaligned line');
    }
    return result;
  }

  if (lines.length === 0) return null;
  const document = block(lines[0]!.indent);
  if (at < lines.length) fail('a line outside the document');
  return document;
}
