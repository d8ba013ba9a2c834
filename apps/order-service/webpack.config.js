const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// Bundles the app with the workspace libraries it imports; packages from node_modules stay
// external and are listed in the generated package.json for the deployment image to install.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/order-service') },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      outputHashing: 'none',
      optimization: false,
      sourceMap: true,
      generatePackageJson: true,
      // `nx typecheck order-service` checks types; the bundle build only transpiles.
      skipTypeChecking: true,
    }),
  ],
};
