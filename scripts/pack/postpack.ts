/**
 * The `postpack` and `postpublish` scripts: the checkout's package.json back in place of the packed
 * one (manifest.ts). `npm publish` reads package.json again after packing, for the registry's copy
 * of the manifest, so during a publish the packed one stays until `postpublish`.
 */
import { restoreCheckoutManifest } from './manifest.ts';

const publishing = process.env.npm_command === 'publish';
if (!publishing || process.env.npm_lifecycle_event === 'postpublish') restoreCheckoutManifest();
