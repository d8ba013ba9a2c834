const { getJestProjectsAsync } = require('@nx/jest');

// The root config runs every project's Jest config in one process, so `npm test` gives one
// report (reports/jest-results.json) for the whole workspace. `nx test <project>` runs one.
module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
