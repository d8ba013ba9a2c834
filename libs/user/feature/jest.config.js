module.exports = {
  displayName: 'user-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/user/feature',
  // Integration tests (*.integration.ts) run against the project's own Postgres, which this
  // global setup starts when it is not already running.
  globalSetup: '<rootDir>/../../../tools/infra/src/jest-global-setup.ts',
};
