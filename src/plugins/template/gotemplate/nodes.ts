import type { GoValue } from './values.ts';

// The parse tree of Go's text/template (text/template/parse/node.go), cut to what clusterdns
// evaluates. `nodeText` prints a tree back as Go's Node.String() does: CoreDNS labels its
// template metrics with that text.

interface At {
  /** Byte offset of the node in the template text. */
  readonly pos: number;
}

export interface ListNode extends At { readonly type: 'list'; readonly nodes: Node[] }
export interface TextNode extends At { readonly type: 'text'; readonly text: string }
export interface ActionNode extends At { readonly type: 'action'; readonly pipe: PipeNode }
export interface IfNode extends At { readonly type: 'if'; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList: ListNode | null }
export interface PipeNode extends At { readonly type: 'pipe'; readonly cmds: CommandNode[] }
export interface CommandNode extends At { readonly type: 'command'; readonly args: ArgNode[] }
export interface FieldNode extends At { readonly type: 'field'; readonly idents: readonly string[] }
export interface IdentifierNode extends At { readonly type: 'identifier'; readonly name: string }
/** `$` (the data the template runs on) and `$.Field...`: the only variable without declarations. */
export interface VariableNode extends At { readonly type: 'variable'; readonly idents: readonly string[] }
export interface DotNode extends At { readonly type: 'dot' }
export interface NilNode extends At { readonly type: 'nil' }
export interface BoolNode extends At { readonly type: 'bool'; readonly value: boolean }
export interface NumberNode extends At {
  readonly type: 'number';
  /** As written, which is how Go prints it back. */
  readonly text: string;
  /** The value an untyped constant takes where any type goes: int, uint64 (bigint) or float64. */
  readonly value: GoValue;
  /** The integer it stands for, when it is one: an `int` parameter takes only those. */
  readonly integer: number | null;
}
export interface StringNode extends At {
  readonly type: 'string';
  /** As written, with its quotes. */
  readonly quoted: string;
  readonly text: string;
}
/** `(pipeline).Field...`. */
export interface ChainNode extends At { readonly type: 'chain'; readonly node: ArgNode; readonly fields: readonly string[] }

export type ArgNode = FieldNode | IdentifierNode | VariableNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode | ChainNode;
export type Node = ListNode | TextNode | ActionNode | IfNode;

export function nodeText(node: Node | ArgNode | CommandNode): string {
  switch (node.type) {
    case 'list':
      return node.nodes.map(nodeText).join('');
    case 'text':
      return node.text;
    case 'action':
      return `{{${nodeText(node.pipe)}}}`;
    case 'if':
      return `{{if ${nodeText(node.pipe)}}}${nodeText(node.list)}${node.elseList === null ? '' : `{{else}}${nodeText(node.elseList)}`}{{end}}`;
    case 'pipe':
      return node.cmds.map(nodeText).join(' | ');
    case 'command':
      return node.args.map((arg) => (arg.type === 'pipe' ? `(${nodeText(arg)})` : nodeText(arg))).join(' ');
    case 'field':
      return node.idents.map((ident) => `.${ident}`).join('');
    case 'identifier':
      return node.name;
    case 'variable':
      return node.idents.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(node.value);
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
    case 'chain':
      return `${node.node.type === 'pipe' ? `(${nodeText(node.node)})` : nodeText(node.node)}${node.fields.map((field) => `.${field}`).join('')}`;
  }
}
