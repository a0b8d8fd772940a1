import { createRequire } from 'node:module';

/** This package's version (package.json is two levels up from both src/export and dist/export). */
export const PACKAGE_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
