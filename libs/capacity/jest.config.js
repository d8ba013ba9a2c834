module.exports = {
  displayName: 'capacity',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/capacity',
};
