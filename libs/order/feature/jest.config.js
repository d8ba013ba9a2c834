module.exports = {
  displayName: 'order-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/order/feature',
};
