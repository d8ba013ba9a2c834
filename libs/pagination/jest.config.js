module.exports = {
  displayName: 'pagination',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/pagination',
};
