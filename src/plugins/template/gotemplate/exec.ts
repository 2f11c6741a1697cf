import { BUILTINS, CallError, type GoFunction } from './builtins.ts';
import { nodeText, type ArgNode, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type Node, type PipeNode, type VariableNode } from './nodes.ts';
import { lineAt, type Tree } from './parse.ts';
import { formatValue, GoMap, GoStruct, goTypeName, NO_VALUE, truth, type GoMethod, type GoValue, type ParamKind } from './values.ts';

// Go's text/template evaluator (text/template/exec.go) over the trees of parse.ts: fields of
// structs and maps, methods, function calls with Go's argument checks, pipelines and `if`. A
// failure is an ExecError worded as Go's, since CoreDNS logs it:
// `template: answer:1:26: executing "answer" at <index .Match 2>: error calling index: index out of range: 2`.

export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

/** No value from an earlier pipeline stage: Go's missingVal. */
const NONE: unique symbol = Symbol('no final value');
type Final = GoValue | typeof NONE;

type AnyNode = Node | ArgNode | CommandNode;

const PARAM_TYPES: Readonly<Record<ParamKind, string>> = { string: 'string', int: 'int', any: 'interface {}', value: 'reflect.Value' };

class State {
  private readonly tree: Tree;
  private readonly root: GoValue;
  private node: AnyNode | null = null;
  out = '';

  constructor(tree: Tree, root: GoValue) {
    this.tree = tree;
    this.root = root;
  }

  at(node: AnyNode): void {
    this.node = node;
  }

  errorf(message: string): never {
    const { name, text } = this.tree;
    if (this.node === null) throw new ExecError(`template: ${name}: ${message}`);
    const pos = this.node.pos;
    const line = lineAt(text, pos);
    const column = pos - (text.lastIndexOf('\n', pos - 1) + 1);
    throw new ExecError(`template: ${name}:${line}:${column}: executing ${JSON.stringify(name)} at <${nodeText(this.node)}>: ${message}`);
  }

  walk(dot: GoValue, node: Node): void {
    switch (node.type) {
      case 'text':
        this.out += node.text;
        return;
      case 'list':
        for (const child of node.nodes) this.walk(dot, child);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        this.at(node);
        if (value instanceof GoStruct && value.text() === null) this.errorf(`clusterdns does not print a ${value.typeName} whole`);
        this.out += formatValue(value);
        return;
      }
      case 'if': {
        const value = this.evalPipeline(dot, node.pipe);
        if (truth(value)) this.walk(dot, node.list);
        else if (node.elseList !== null) this.walk(dot, node.elseList);
        return;
      }
    }
  }

  evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Final = NONE;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    return value === NONE ? NO_VALUE : value;
  }

  evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
  }

  notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NONE) this.errorf(`can't give argument to non-function ${nodeText(args[0]!)}`);
  }

  evalFieldNode(dot: GoValue, field: FieldNode, args: readonly ArgNode[], final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.idents, args, final);
  }

  evalVariableNode(dot: GoValue, variable: VariableNode, args: readonly ArgNode[], final: Final): GoValue {
    this.at(variable);
    if (variable.idents.length === 1) {
      this.notAFunction(args, final);
      return this.root;
    }
    return this.evalFieldChain(dot, this.root, variable, variable.idents.slice(1), args, final);
  }

  evalChainNode(dot: GoValue, chain: ChainNode, args: readonly ArgNode[], final: Final): GoValue {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeText(chain)}`);
    const receiver = this.evalArg(dot, 'value', chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.fields, args, final);
  }

  evalFieldChain(dot: GoValue, receiver: GoValue, node: AnyNode, idents: readonly string[], args: readonly ArgNode[], final: Final): GoValue {
    let value = receiver;
    for (let i = 0; i < idents.length - 1; i++) value = this.evalField(dot, idents[i]!, node, [], NONE, value);
    return this.evalField(dot, idents.at(-1)!, node, args, final, value);
  }

  evalField(dot: GoValue, name: string, node: AnyNode, args: readonly ArgNode[], final: Final, receiver: GoValue): GoValue {
    // A missing map entry's fields are missing too (Go's missingkey=default).
    if (receiver === NO_VALUE) return NO_VALUE;
    const hasArgs = args.length > 1 || final !== NONE;
    if (receiver instanceof GoStruct) {
      const method = receiver.method(name);
      if (method !== undefined) return this.evalCall(dot, method, false, node, name, args.slice(1), final);
      const field = receiver.field(name);
      if (field !== undefined) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return field;
      }
      if (receiver.unexported(name)) this.errorf(`${name} is an unexported field of struct type ${receiver.typeName}`);
    }
    if (receiver instanceof GoMap) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return receiver.entries.get(name) ?? NO_VALUE;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    return this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  evalFunction(dot: GoValue, identifier: IdentifierNode, node: AnyNode, args: readonly ArgNode[], final: Final): GoValue {
    this.at(identifier);
    const fn = BUILTINS.get(identifier.name);
    if (fn === undefined) this.errorf(`${JSON.stringify(identifier.name)} is not a defined function`);
    return this.evalCall(dot, fn, true, node, identifier.name, args.slice(1), final);
  }

  evalCall(dot: GoValue, fn: GoFunction | GoMethod, isBuiltin: boolean, node: AnyNode, name: string, args: readonly ArgNode[], final: Final): GoValue {
    const variadic = 'variadic' in fn ? fn.variadic : undefined;
    const fixed = fn.params.length;
    const count = args.length + (final === NONE ? 0 : 1);
    if (variadic !== undefined && count < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${args.length}`);
    if (variadic === undefined && count !== fixed) this.errorf(`wrong number of args for ${name}: want ${fixed} got ${count}`);
    const kindAt = (i: number): ParamKind => fn.params[i] ?? variadic!;
    if (isBuiltin && 'shortCircuit' in fn && fn.shortCircuit) {
      // and/or: the first argument that decides is the result, the rest are never evaluated.
      const decides = name === 'or';
      let value: GoValue = NO_VALUE;
      for (const arg of args) {
        value = this.evalArg(dot, 'value', arg);
        if (truth(value) === decides) return value;
      }
      return final === NONE ? value : this.validate(final, 'value');
    }
    const argv = args.map((arg, i) => this.evalArg(dot, kindAt(i), arg));
    if (final !== NONE) argv.push(this.validate(final, kindAt(args.length)));
    try {
      return fn.call(argv);
    } catch (error) {
      if (!(error instanceof CallError)) throw error;
      this.at(node);
      return this.errorf(`error calling ${name}: ${error.message}`);
    }
  }

  evalArg(dot: GoValue, kind: ParamKind, node: ArgNode): GoValue {
    this.at(node);
    switch (node.type) {
      case 'dot':
        return this.validate(dot, kind);
      case 'nil':
        if (kind === 'any' || kind === 'value') return null;
        return this.errorf(`cannot assign nil to ${PARAM_TYPES[kind]}`);
      case 'field':
        return this.validate(this.evalFieldNode(dot, node, [node], NONE), kind);
      case 'variable':
        return this.validate(this.evalVariableNode(dot, node, [node], NONE), kind);
      case 'pipe':
        return this.validate(this.evalPipeline(dot, node), kind);
      case 'identifier':
        return this.validate(this.evalFunction(dot, node, node, [node], NONE), kind);
      case 'chain':
        return this.validate(this.evalChainNode(dot, node, [node], NONE), kind);
    }
    switch (kind) {
      case 'string':
        return node.type === 'string' ? node.text : this.errorf(`expected string; found ${nodeText(node)}`);
      case 'int':
        return node.type === 'number' && node.integer !== null ? node.integer : this.errorf(`expected integer; found ${nodeText(node)}`);
      default:
        return node.type === 'string' ? node.text : node.value;
    }
  }

  /** A value computed for a parameter: Go's validateType. */
  validate(value: GoValue, kind: ParamKind): GoValue {
    if (value === NO_VALUE) {
      if (kind === 'value') return NO_VALUE;
      if (kind === 'any') return null;
      return this.errorf(`invalid value; expected ${PARAM_TYPES[kind]}`);
    }
    if (kind === 'string' && typeof value !== 'string') this.errorf(`wrong type for value; expected string; got ${goTypeName(value)}`);
    if (kind === 'int' && typeof value !== 'number') this.errorf(`wrong type for value; expected int; got ${goTypeName(value)}`);
    return value;
  }
}

/** Runs a parsed template on `data` (Go's Template.Execute); throws ExecError. */
export function executeTemplate(tree: Tree, data: GoValue): string {
  const state = new State(tree, data);
  state.walk(data, tree.root);
  return state.out;
}
