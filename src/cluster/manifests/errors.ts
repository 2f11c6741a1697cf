/** Where in the manifests a problem is: the file, and when known the document, List item and line. */
export interface ManifestLocation {
  readonly file: string;
  /** 1-based position of the YAML document in the file. */
  readonly document?: number;
  /** 0-based index in the `items` of a List document. */
  readonly item?: number;
  /** 1-based line, when the YAML parser knows it. */
  readonly line?: number;
}

/** A manifest that cannot be loaded: unreadable file, YAML syntax error or invalid object. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly file: string;
  readonly document: number | undefined;
  readonly item: number | undefined;
  readonly line: number | undefined;

  constructor(location: ManifestLocation, problem: string, options?: { cause?: unknown }) {
    super(`${describeLocation(location)}: ${problem}`, options);
    this.file = location.file;
    this.document = location.document;
    this.item = location.item;
    this.line = location.line;
  }
}

export function describeLocation(location: ManifestLocation): string {
  const parts: string[] = [];
  if (location.document !== undefined) parts.push(`document ${location.document}`);
  if (location.item !== undefined) parts.push(`items[${location.item}]`);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  return parts.length === 0 ? location.file : `${location.file} (${parts.join(', ')})`;
}
