module.exports = require('../../tools/webpack/node-app.webpack')('order-service');
