// Starts the telegram-test-api Bot API emulator on loopback for the adapter tests.
// Usage: node telegram-emulator.js PORT — prints "READY <api url>" once it listens.
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
// A webhook left registered by a stopped bot must not crash the emulator on the next update.
process.on('unhandledRejection', (error) => console.error('webhook delivery failed:', error && error.message));
server.start().then(() => console.log(`READY ${server.config.apiURL}`));
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
