module.exports = {
  displayName: 'loadtest',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/loadtest',
  // The scenario smoke test starts the project's own Kafka, Postgres and Redis when they are not running.
  globalSetup: '<rootDir>/../../tools/infra/src/jest-global-setup.ts',
};
