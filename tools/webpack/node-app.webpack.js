const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

/**
 * The webpack config of every service: bundles the app with the workspace libraries it imports;
 * packages from node_modules stay external and are listed in the generated package.json for the
 * deployment image to install.
 *
 * @param {string} appName the folder under apps/, e.g. 'gateway'
 * @param {{ assets?: { input: string, glob: string, output: string }[] }} [options] files read at
 *   run time (input relative to the workspace root, output relative to the bundle), copied beside it
 */
module.exports = function nodeAppWebpackConfig(appName, { assets = [] } = {}) {
  return {
    output: { path: join(__dirname, '../../dist/apps', appName) },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: `./src/main.ts`,
        tsConfig: './tsconfig.app.json',
        outputHashing: 'none',
        optimization: false,
        sourceMap: true,
        generatePackageJson: true,
        // `nx typecheck <app>` checks types; the bundle build only transpiles.
        skipTypeChecking: true,
        assets,
      }),
    ],
  };
};
