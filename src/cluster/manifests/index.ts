export { ManifestSource, type ManifestSourceOptions } from './source.ts';
export { ManifestError, type ManifestLocation } from './errors.ts';
export { readManifestFiles, type ManifestFile, type ManifestFiles } from './files.ts';
export { parseManifests } from './parse.ts';
export { ManifestDocuments, type ManifestInput } from './documents.ts';
