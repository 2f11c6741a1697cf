import { UNSUPPORTED_BUILTINS } from './builtins.ts';
import { lex, LexError, type Item, type ItemKind } from './lex.ts';
import { nodeText, type ActionNode, type ArgNode, type CommandNode, type IfNode, type ListNode, type Node, type NumberNode, type PipeNode } from './nodes.ts';
import { GoFloat, type GoValue } from './values.ts';

// Go's text/template parser (text/template/parse/parse.go) for what clusterdns evaluates: text,
// actions with pipelines, parenthesized pipelines, `if`/`else if`/`else`/`end`, and `$`. Functions
// are checked when parsed, as Go checks them. What else Go has (range, with, define, template,
// block, variables) is refused by name, so a template never runs differently from CoreDNS's.

/** A parsed template: its name (Go's ParseName) and text, for error positions, and its tree. */
export interface Tree {
  readonly name: string;
  readonly text: string;
  readonly root: ListNode;
}

/** A template that does not parse, worded as Go's: `template: answer:1: function "x" not defined`. */
export class TemplateParseError extends Error {
  constructor(name: string, line: number, message: string) {
    super(`template: ${name}:${line}: ${message}`);
    this.name = 'TemplateParseError';
  }
}

const UNSUPPORTED_KEYWORDS = new Set(['range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const OPERAND_START: ReadonlySet<ItemKind> = new Set(['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen']);

/** Go's line of a byte offset: 1 plus the newlines before it. */
export function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

class Parser {
  private readonly items: Item[];
  private index = 0;
  private readonly name: string;
  private readonly text: string;
  private readonly functions: ReadonlySet<string>;

  constructor(name: string, text: string, functions: ReadonlySet<string>) {
    this.name = name;
    this.text = text;
    this.functions = functions;
    try {
      this.items = lex(text);
    } catch (error) {
      if (error instanceof LexError) throw new TemplateParseError(name, lineAt(text, error.pos), error.message);
      throw error;
    }
  }

  fail(message: string, pos = this.peek().pos): never {
    throw new TemplateParseError(this.name, lineAt(this.text, pos), message);
  }

  peek(): Item {
    return this.items[this.index]!;
  }

  next(): Item {
    return this.items[this.index++]!;
  }

  peekNonSpace(): Item {
    while (this.peek().kind === 'space') this.index++;
    return this.peek();
  }

  nextNonSpace(): Item {
    this.peekNonSpace();
    return this.next();
  }

  unexpected(item: Item, context: string): never {
    this.fail(`unexpected ${item.kind === 'eof' ? 'EOF' : JSON.stringify(item.value)} in ${context}`, item.pos);
  }

  expect(kind: ItemKind, context: string): Item {
    const item = this.nextNonSpace();
    if (item.kind !== kind) this.unexpected(item, context);
    return item;
  }

  /** The whole template: its top-level list, where `{{else}}` and `{{end}}` have no place. */
  template(): ListNode {
    const { list, ended } = this.itemList();
    if (ended !== null) this.fail(`unexpected {{${ended.value}}}`, ended.pos);
    return list;
  }

  /** Nodes up to an `{{else}}` or `{{end}}` (returned) or the end of the text (null). */
  itemList(): { list: ListNode; ended: Item | null } {
    const list: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    for (;;) {
      const item = this.next();
      if (item.kind === 'eof') {
        this.index--;
        return { list, ended: null };
      }
      if (item.kind === 'text') {
        list.nodes.push({ type: 'text', pos: item.pos, text: item.value });
        continue;
      }
      const keyword = this.peekNonSpace();
      if (keyword.kind === 'keyword' && (keyword.value === 'else' || keyword.value === 'end')) {
        this.next();
        return { list, ended: keyword };
      }
      list.nodes.push(this.action());
    }
  }

  action(): Node {
    const item = this.peekNonSpace();
    if (item.kind === 'keyword') {
      this.next();
      if (item.value === 'if') return this.ifControl(item);
      if (UNSUPPORTED_KEYWORDS.has(item.value)) this.fail(`clusterdns does not support {{${item.value}}}`, item.pos);
      this.unexpected(item, 'command');
    }
    const action: ActionNode = { type: 'action', pos: item.pos, pipe: this.pipeline('command', 'rightDelim') };
    return action;
  }

  /** After `{{if`: the pipeline, the list, and an optional `{{else}}` or `{{else if ...}}` list, up to `{{end}}`. */
  ifControl(keyword: Item): IfNode {
    const pipe = this.pipeline('if', 'rightDelim');
    const { list, ended } = this.itemList();
    if (ended === null) this.fail('unexpected EOF');
    let elseList: ListNode | null = null;
    if (ended.value === 'else') {
      const after = this.peekNonSpace();
      if (after.kind === 'keyword' && after.value === 'if') {
        this.next();
        elseList = { type: 'list', pos: after.pos, nodes: [this.ifControl(after)] };
      } else {
        this.expect('rightDelim', 'else');
        const rest = this.itemList();
        if (rest.ended === null) this.fail('unexpected EOF');
        if (rest.ended.value !== 'end') this.fail(`expected end; found {{${rest.ended.value}}}`, rest.ended.pos);
        this.expect('rightDelim', 'end');
        elseList = rest.list;
      }
    } else {
      this.expect('rightDelim', 'end');
    }
    return { type: 'if', pos: keyword.pos, pipe, list, elseList };
  }

  pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    if (start.kind === 'variable') {
      let after = this.index + 1;
      while (this.items[after]!.kind === 'space') after++;
      const kind = this.items[after]!.kind;
      if (kind === 'declare' || kind === 'assign') this.fail('clusterdns does not support variables other than $', start.pos);
    }
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, cmds: [] };
    for (;;) {
      const item = this.peekNonSpace();
      if (item.kind === end) {
        this.next();
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(item.kind)) this.unexpected(this.next(), context);
      pipe.cmds.push(this.command());
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0]!.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.fail(`non executable command in pipeline stage ${i + 2}`, cmd.pos);
      }
    });
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const item = this.next();
      if (item.kind === 'space') continue;
      if (item.kind === 'rightDelim' || item.kind === 'rightParen') this.index--;
      else if (item.kind !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command', cmd.pos);
    return cmd;
  }

  operand(): ArgNode | null {
    const node = this.term();
    if (node === null || this.peek().kind !== 'field') return node;
    const fields: string[] = [];
    while (this.peek().kind === 'field') fields.push(...this.next().value.slice(1).split('.'));
    switch (node.type) {
      case 'field':
        return { ...node, idents: [...node.idents, ...fields] };
      case 'variable':
        return { ...node, idents: [...node.idents, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.fail(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
      default:
        return { type: 'chain', pos: node.pos, node, fields };
    }
  }

  term(): ArgNode | null {
    const item = this.nextNonSpace();
    switch (item.kind) {
      case 'identifier':
        if (UNSUPPORTED_BUILTINS.has(item.value)) this.fail(`clusterdns does not support the function ${JSON.stringify(item.value)}`, item.pos);
        if (!this.functions.has(item.value)) this.fail(`function ${JSON.stringify(item.value)} not defined`, item.pos);
        return { type: 'identifier', pos: item.pos, name: item.value };
      case 'dot':
        return { type: 'dot', pos: item.pos };
      case 'nil':
        return { type: 'nil', pos: item.pos };
      case 'variable':
        if (item.value !== '$') this.fail(`undefined variable ${JSON.stringify(item.value)}`, item.pos);
        return { type: 'variable', pos: item.pos, idents: ['$'] };
      case 'field':
        return { type: 'field', pos: item.pos, idents: item.value.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: item.pos, value: item.value === 'true' };
      case 'number':
      case 'charConstant':
        return this.number(item);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: item.pos, quoted: item.value, text: this.unquote(item) };
      default:
        this.index--;
        return null;
    }
  }

  number(item: Item): NumberNode {
    const at = { type: 'number' as const, pos: item.pos, text: item.value };
    if (item.kind === 'charConstant') {
      const rune = this.unquote(item).codePointAt(0) ?? 0;
      return { ...at, value: rune, integer: rune };
    }
    const text = item.value.replaceAll('_', '');
    if (text.endsWith('i')) this.fail('clusterdns does not support complex constants', item.pos);
    const isFloat = /^[+-]?0[xX]/.test(text) ? /[.pP]/.test(text) : /[.eE]/.test(text);
    if (isFloat) {
      const value = Number(text);
      if (Number.isNaN(value)) this.fail(`illegal number syntax: ${JSON.stringify(item.value)}`, item.pos);
      return { ...at, value: new GoFloat(value), integer: Number.isSafeInteger(value) ? value : null };
    }
    const negative = text.startsWith('-');
    const digits = text.replace(/^[+-]/, '');
    let big: bigint;
    if (/^0[0-9]+$/.test(digits) && !/^0[0-7]+$/.test(digits)) this.fail(`illegal number syntax: ${JSON.stringify(item.value)}`, item.pos);
    try {
      // Go reads a leading 0 as octal.
      big = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0[oO]/, '0o'));
    } catch {
      return this.fail(`illegal number syntax: ${JSON.stringify(item.value)}`, item.pos);
    }
    const signed = negative ? -big : big;
    if (signed > 0xffffffffffffffffn || signed < -(2n ** 63n)) this.fail(`integer overflow: ${JSON.stringify(item.value)}`, item.pos);
    const value: GoValue = Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
    return { ...at, value, integer: typeof value === 'number' ? value : null };
  }

  unquote(item: Item): string {
    try {
      return unquoteGo(item.value);
    } catch (error) {
      return this.fail((error as Error).message, item.pos);
    }
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Go's strconv.Unquote for "...", `...` and '.'. */
export function unquoteGo(quoted: string): string {
  const quote = quoted[0];
  const body = quoted.slice(1, -1);
  if (quote === '`') return body.replaceAll('\r', '');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
    if (simple !== undefined && (e !== "'" || quote === "'") && (e !== '"' || quote === '"')) {
      out += simple;
      continue;
    }
    const sizes: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
    const size = e === undefined ? undefined : sizes[e];
    if (size !== undefined && /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + 1 + size)) && body.length >= i + 1 + size) {
      out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 1 + size), 16));
      i += size;
    } else if (e !== undefined && /^[0-7]{3}$/.test(body.slice(i, i + 3)) && Number.parseInt(body.slice(i, i + 3), 8) < 256) {
      out += String.fromCharCode(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      throw new Error('invalid syntax');
    }
  }
  if (quote === "'" && [...out].length !== 1) throw new Error('invalid syntax');
  return out;
}

/** Parses `text` as Go's template.New(name).Funcs(...).Parse(text) does, knowing the functions `functions` names. */
export function parseTemplate(name: string, text: string, functions: ReadonlySet<string>): Tree {
  return { name, text, root: new Parser(name, text, functions).template() };
}
