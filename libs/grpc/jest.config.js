module.exports = {
  displayName: 'grpc',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/grpc',
};
