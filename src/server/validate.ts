import type { Logger } from 'pino';
import { parseServerKeys } from '../corefile/address.ts';
import { CorefileError, type Corefile, type Directive } from '../corefile/types.ts';
import { directiveNames, loadPlugins } from '../plugins/index.ts';
import { buildBlockChain } from './chain.ts';
import { planServer, type PluginRegistry } from './config.ts';
import { PluginSetupError } from './errors.ts';
import { Lifecycle } from './lifecycle.ts';

/** One problem of a Corefile, where it is: `Corefile:7 - Error during parsing: ...`. */
export interface CorefileProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface ValidationReport {
  readonly problems: readonly CorefileProblem[];
  readonly blocks: number;
  readonly directives: number;
}

export interface ValidateOptions {
  readonly logger: Logger;
  readonly registry?: PluginRegistry;
}

function problemOf(error: unknown, directive: Directive): CorefileProblem {
  if (error instanceof CorefileError) return { file: error.file, line: error.line, message: error.message };
  const { file, line } = directive.name;
  const reason = error instanceof Error ? error.message : String(error);
  return { file, line, message: `${file}:${line} - Error during parsing: ${directive.name.text}: ${reason}` };
}

/** Every key and directive parsed on its own, so one mistake does not hide the next. */
function parseProblems(corefile: Corefile, registry: PluginRegistry): CorefileProblem[] {
  const problems: CorefileProblem[] = [];
  for (const block of corefile.blocks) {
    for (const key of block.keys) {
      try {
        parseServerKeys(key);
      } catch (error) {
        if (!(error instanceof CorefileError)) throw error;
        problems.push({ file: error.file, line: error.line, message: error.message });
      }
    }
    const seen = new Set<string>();
    for (const directive of block.directives) {
      const { text: name, file, line } = directive.name;
      const definition = registry.get(name);
      if (definition === undefined) {
        problems.push(problemOf(new CorefileError(file, line, `Unknown directive '${name}'`), directive));
        continue;
      }
      if (definition.once && seen.has(name)) {
        problems.push(problemOf(new CorefileError(file, line, 'this plugin can only be used once per Server Block', name), directive));
      }
      seen.add(name);
      try {
        definition.parse(directive);
      } catch (error) {
        problems.push(problemOf(error, directive));
      }
    }
  }
  return problems;
}

/**
 * Checks a Corefile as a start or a reload would, short of serving it: every key and directive
 * parsed, the blocks planned onto their addresses, and every plugin set up (with its validate()
 * where it has one: the kubernetes plugin reads its manifests or kubeconfig but calls no API). No
 * port is bound and nothing is started; what setup registered is shut down again.
 */
export async function validateCorefile(corefile: Corefile, options: ValidateOptions): Promise<ValidationReport> {
  const registry = options.registry ?? (await loadPlugins(directiveNames(corefile)));
  const blocks = corefile.blocks.length;
  const directives = corefile.blocks.reduce((count, block) => count + block.directives.length, 0);
  const problems = parseProblems(corefile, registry);
  if (problems.length > 0) return { problems, blocks, directives };
  let plan;
  try {
    plan = planServer(corefile, { registry });
  } catch (error) {
    if (!(error instanceof CorefileError)) throw error;
    return { problems: [{ file: error.file, line: error.line, message: error.message }], blocks, directives };
  }
  for (const block of plan.blocks) {
    const lifecycle = new Lifecycle();
    try {
      await buildBlockChain(block, plan.file, options.logger, lifecycle, undefined, undefined, 'validate');
    } catch (error) {
      if (error instanceof CorefileError) problems.push({ file: error.file, line: error.line, message: error.message });
      else if (error instanceof PluginSetupError) problems.push({ file: error.file, line: error.line, message: `${error.file}:${error.line} - ${error.message}` });
      else throw error;
    } finally {
      await lifecycle.runShutdown(options.logger);
    }
  }
  return { problems, blocks, directives };
}
