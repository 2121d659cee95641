import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

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
// The integration and fault projects both run against the four apps that the global setup starts.
const appTests = {
  environment: 'node',
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 120_000,
  hookTimeout: 180_000,
};

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
          // Fault specs end in .fault-spec.ts; nothing under test/faults belongs here, whatever its name.
          exclude: [...configDefaults.exclude, 'test/faults/**'],
          ...appTests,
        },
      },
      {
        plugins,
        resolve: { alias },
        // Stops, kills and freezes the shared services: run on its own, after the integration project.
        test: { name: 'faults', include: ['test/faults/**/*.fault-spec.ts'], ...appTests },
      },
    ],
  },
});
