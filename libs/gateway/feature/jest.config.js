module.exports = {
  displayName: 'gateway-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/gateway/feature',
};
