const { getJestProjectsAsync } = require('@nx/jest');

// The root config runs every project's Jest config in one process, so `npm test` gives one
// report (reports/jest-results.json) for the whole workspace. `nx test <project>` runs one.
module.exports = async () => ({
  projects: await getJestProjectsAsync(),
  // A global option (ignored inside `projects`): integration tests wait on consumer-group
  // rebalances and replication on a 2-core machine, where 5 s is not enough.
  testTimeout: 60_000,
});
