/** The package's programmatic API: cluster DNS as a test fixture (src/fixture/README.md). */
export * from './fixture/index.ts';
