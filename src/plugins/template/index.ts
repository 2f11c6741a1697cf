import type { PluginDefinition } from '../../toolkit/types.ts';
import { compileTemplate, type CompiledTemplate } from './compile.ts';
import { templateHandler } from './handler.ts';
import { parseTemplateDirective, type TemplateOptions } from './parse.ts';

/** Where a block's template lines gather: one handler tries them all, in Corefile order. */
const SHARED_KEY = 'template';

/**
 * `template CLASS TYPE [ZONE...] { match; answer; additional; authority; rcode; ederror;
 * fallthrough; upstream }` (CoreDNS plugin/template): answers built from Go templates for names a
 * regex matches. Every `template` line of a block adds its template to the first line's handler,
 * as CoreDNS sets them all up as one handler.
 */
export const templatePlugin: PluginDefinition<TemplateOptions> = {
  name: 'template',
  once: false,
  parse: parseTemplateDirective,
  setup: (options, context) => {
    const compiled = compileTemplate(options, context.zones);
    const lines = context.shared.get(SHARED_KEY) as CompiledTemplate[] | undefined;
    if (lines !== undefined) {
      lines.push(compiled);
      return {};
    }
    const first = [compiled];
    context.shared.set(SHARED_KEY, first);
    return { handler: templateHandler(first) };
  },
};
