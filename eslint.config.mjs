import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const clientLibraries = ['kafkajs', 'ioredis', 'memjs', 'pg'];

/** The dependency matrix: the architecture, enforced (see the rule below). */
const dependencyConstraints = [
  // type:testing is for an app's specs (its config spec reads docker-compose.yml through it).
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:contracts', 'type:testing'],
  },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:contracts'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:tooling', 'type:data-access', 'type:util', 'type:contracts'] },
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:util', 'type:contracts'] },
  // The load-test runner drives the whole system from outside, like the e2e tests, and
  // also breaks infrastructure on purpose (tools/infra) during its fault scenarios.
  { sourceTag: 'type:loadtest', onlyDependOnLibsWithTags: ['type:testing', 'type:tooling', 'type:util', 'type:contracts'] },
  { sourceTag: 'scope:user', onlyDependOnLibsWithTags: ['scope:user', 'scope:shared'] },
  { sourceTag: 'scope:order', onlyDependOnLibsWithTags: ['scope:order', 'scope:shared'] },
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'type:app', bannedExternalImports: clientLibraries },
  { sourceTag: 'type:feature', bannedExternalImports: clientLibraries },
  { sourceTag: 'type:util', bannedExternalImports: clientLibraries },
  { sourceTag: 'type:contracts', bannedExternalImports: clientLibraries },
  { sourceTag: 'client:postgres', bannedExternalImports: ['kafkajs', 'ioredis', 'memjs'] },
  { sourceTag: 'client:redis', bannedExternalImports: ['kafkajs', 'pg'] },
  { sourceTag: 'client:kafka', bannedExternalImports: ['ioredis', 'memjs', 'pg'] },
];

/**
 * Integration tests of data-access libraries may also use the infrastructure tooling, to inject
 * the faults they test against (stop a replica, make it lag); the library code itself may not.
 */
const integrationTestDependencyConstraints = dependencyConstraints.map((constraint) =>
  constraint.sourceTag === 'type:data-access'
    ? { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:tooling'] }
    : constraint,
);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.infra', '**/coverage', '**/*.generated.ts', 'libs/contracts/src/generated/**'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The dependency matrix: the architecture, enforced. Apps wire features; features use
      // data-access and util libs; nothing depends on an app. Each scope sees only itself and
      // `shared`. Each infrastructure client is imported only by the libraries tagged for it, so a
      // reader finds all Kafka code in libs/messaging, all Redis code in libs/cache and
      // libs/rate-limit (tag client:redis), all SQL plumbing in libs/db.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: dependencyConstraints,
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @workshop/config, validated once at start-up.' },
      ],
    },
  },
  {
    // The one place allowed to read the environment.
    files: ['libs/config/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.integration.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allow: [], depConstraints: integrationTestDependencyConstraints },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration.ts', '**/jest.config.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  { ...tseslint.configs.disableTypeChecked, files: ['**/*.js', '**/*.mjs', '**/*.cjs'] },
];
