// The third-party engines, started as libraries so this process owns their sockets and errors.
import dynalite from 'dynalite';
import { createServer } from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';

/** dynalite, in memory; tables are ACTIVE at once (no CREATING/DELETING/UPDATING delay). */
export function createDynamoDbServer() {
  return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
}

/**
 * local-aws-sqs behind our own http server: createSqsServer() cannot report a listen error, so we use
 * its request handler and set the service's port (used in QueueUrl) once we know it.
 */
export function createSqsServer({ host, region, accountId }) {
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: host,
    region,
    accountId,
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer(requestHandler);
  server.on('listening', () => {
    service.PORT = server.address().port;
  });
  return server;
}
