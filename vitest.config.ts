import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// Libraries resolve to their TypeScript sources in tests; at runtime Node uses package.json "imports" (dist).
const alias = [{ find: /^#soma\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` }];
const plugins = [
  swc.vite({
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
  }),
];

export default defineConfig({
  test: {
    // One machine, two cores, shared real services: test files run one after another.
    fileParallelism: false,
    pool: 'forks',
    projects: [
      {
        plugins,
        resolve: { alias },
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/**/*.int-spec.ts', 'test/**/*.e2e-spec.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
