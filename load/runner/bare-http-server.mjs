// The floor of the overhead measurement: a bare node:http server on 127.0.0.1 that reads each
// request body and answers the same small JSON as the no-op procedure, with no framework at all.
// It logs its address in the same form as the service, so the load runner starts it the same way.
import { createServer } from 'node:http';

const answer = Buffer.from('{"ok":true}');

const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': answer.length,
    });
    response.end(answer);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(
    JSON.stringify({ msg: 'bare node:http server listening', url: `http://127.0.0.1:${port}` }),
  );
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
