/**
 * The `postpack` and `postpublish` scripts: package.json without the `engines` prepack stamped
 * (engines.ts says why). `npm publish` reads package.json again after packing, for the registry's
 * copy of the manifest, so during a publish the stamp stays until `postpublish`.
 */
import { removeEngines } from './engines.ts';

const publishing = process.env.npm_command === 'publish';
if (process.env.npm_lifecycle_event === 'postpublish' || !publishing) removeEngines();
