/**
 * Replaces `{%NAME%}` and then `{$NAME}` references in a token with the environment variable's
 * value (unset -> empty), as caddy does. The value is not split into tokens and, unlike caddy,
 * not scanned again, so a value that mentions itself cannot loop. `{$}` stays as written.
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): string {
  if (!text.includes('{')) return text;
  return replaceReferences(replaceReferences(text, '{%', '%}', env), '{$', '}', env);
}

function replaceReferences(text: string, open: string, close: string, env: NodeJS.ProcessEnv): string {
  let out = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf(open, from);
    if (start === -1) break;
    const end = text.indexOf(close, start + open.length);
    if (end === -1) break;
    const name = text.slice(start + open.length, end);
    out += text.slice(from, start) + (name === '' ? text.slice(start, end + close.length) : (env[name] ?? ''));
    from = end + close.length;
  }
  return from === 0 ? text : out + text.slice(from);
}
