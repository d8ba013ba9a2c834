module.exports = require('../../tools/webpack/node-app.webpack')('user-service');
