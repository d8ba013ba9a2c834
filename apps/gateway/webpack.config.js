// The GraphQL schema is read from a file at run time: it goes beside the bundle, where
// `GRAPHQL_SCHEMA_FILE` (libs/gateway/feature) looks for it.
module.exports = require('../../tools/webpack/node-app.webpack')('gateway', {
  assets: [{ input: 'libs/gateway/feature/src/lib/graphql', glob: '*.graphql', output: '.' }],
});
