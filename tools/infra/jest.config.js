module.exports = {
  displayName: 'infra',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/infra',
  // The integration test starts Kafka, PostgreSQL and Redis when they are not already up: a cold
  // start (including the one-off download of Kafka's jars) takes far longer than Jest's 5 s default.
  testTimeout: 180_000,
};
