import { createServer, type Server, type Socket } from 'node:net';
import { type AddressInfo } from 'node:net';
import { Client, DatabaseError, Pool } from 'pg';
import { classifyReplicaFailure } from './replica-failure';

function serverError(code: string, message = 'server error'): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, syscall: 'connect' });
}

describe('classifyReplicaFailure', () => {
  describe('falls back to the primary when the replica itself fails', () => {
    it.each([
      ['ECONNREFUSED', 'connection_error'],
      ['ECONNRESET', 'connection_error'],
      ['EHOSTUNREACH', 'connection_error'],
      ['ENOTFOUND', 'connection_error'],
      ['ETIMEDOUT', 'connection_timeout'],
    ])('socket error %s -> %s', (code, reason) => {
      expect(classifyReplicaFailure(socketError(code))).toBe(reason);
    });

    it.each([
      ['timeout exceeded when trying to connect', 'connection_timeout'],
      ['Connection terminated due to connection timeout', 'connection_timeout'],
      ['Query read timeout', 'connection_timeout'],
      ['Connection terminated unexpectedly', 'connection_error'],
    ])('pg client error "%s" -> %s', (message, reason) => {
      expect(classifyReplicaFailure(new Error(message))).toBe(reason);
    });

    it.each([
      ['57014', 'statement_timeout'],
      ['40001', 'recovery_conflict'],
      ['57P04', 'recovery_conflict'],
      ['57P01', 'replica_unavailable'],
      ['57P03', 'replica_unavailable'],
      ['53300', 'replica_unavailable'],
      ['08006', 'connection_error'],
      ['08001', 'connection_error'],
    ])('SQLSTATE %s -> %s', (code, reason) => {
      expect(classifyReplicaFailure(serverError(code))).toBe(reason);
    });

    it('an AggregateError of connection failures (IPv4 and IPv6 of one host)', () => {
      const error = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], 'connect failed');
      expect(classifyReplicaFailure(error)).toBe('connection_error');
    });
  });

  describe('surfaces errors in the SQL unchanged', () => {
    it.each([
      ['42601', 'syntax_error'],
      ['42P01', 'undefined_table'],
      ['23505', 'unique_violation'],
      ['22012', 'division_by_zero'],
      ['25006', 'read_only_sql_transaction (a write sent to read())'],
    ])('SQLSTATE %s (%s)', (code) => {
      expect(classifyReplicaFailure(serverError(code))).toBeUndefined();
    });

    it('errors that are not connection failures, and non-errors', () => {
      expect(classifyReplicaFailure(new Error('something else'))).toBeUndefined();
      expect(classifyReplicaFailure(new RangeError('bigint value out of range'))).toBeUndefined();
      expect(classifyReplicaFailure('ECONNREFUSED')).toBeUndefined();
      expect(classifyReplicaFailure(undefined)).toBeUndefined();
      expect(classifyReplicaFailure(new AggregateError([socketError('ECONNREFUSED'), new Error('other')]))).toBeUndefined();
    });
  });

  // The error shapes above are pinned against what pg really produces, without any database.
  describe('errors pg really raises', () => {
    it('a refused connection', async () => {
      const client = new Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 1000 });
      const error = await client.connect().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(classifyReplicaFailure(error)).toBe('connection_error');
    });

    describe('a server that accepts connections but never answers', () => {
      let silentServer: Server;
      const sockets = new Set<Socket>();

      beforeAll(async () => {
        silentServer = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
      });

      afterAll(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silentServer.close(() => resolve()));
      });

      it('times out connecting from a pool', async () => {
        const { port } = silentServer.address() as AddressInfo;
        const pool = new Pool({ host: '127.0.0.1', port, connectionTimeoutMillis: 200 });
        pool.on('error', () => undefined);
        const error = await pool.query('SELECT 1').then(
          () => undefined,
          (failure: unknown) => failure,
        );
        await pool.end();
        expect(classifyReplicaFailure(error)).toBe('connection_timeout');
      });
    });
  });
});
