module.exports = {
  displayName: 'user-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/user/feature',
};
