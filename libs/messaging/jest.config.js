module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/messaging',
  // Starts (or finds) the project's own Kafka and Postgres before the *.integration.ts files run.
  globalSetup: '<rootDir>/../../tools/infra/src/jest-global-setup.ts',
  // Integration tests wait on consumer-group rebalances and broker round trips.
  testTimeout: 60_000,
};
