import {
  applicationDatabaseFromUrl,
  postgresSettings,
  primaryHostBasedAuthentication,
  REPLICATION_ROLE,
  replicationSlotName,
} from './postgres';

describe('postgresSettings', () => {
  const settings = postgresSettings({ host: '127.0.0.1', port: 15433, socketDirectory: '/infra/sockets', clusterName: 'replica-1' });

  it('listens on its own address, port and socket directory', () => {
    expect(settings).toContain("listen_addresses = '127.0.0.1'");
    expect(settings).toContain('port = 15433');
    expect(settings).toContain("unix_socket_directories = '/infra/sockets'");
  });

  it('can serve and be a streaming replica', () => {
    expect(settings).toContain('wal_level = replica');
    expect(settings).toMatch(/^max_wal_senders = \d+$/m);
    expect(settings).toMatch(/^max_replication_slots = \d+$/m);
    expect(settings).toContain('hot_standby = on');
  });

  it('names the instance, which a replica reports as its application_name', () => {
    expect(settings).toContain("cluster_name = 'replica-1'");
  });
});

describe('primaryHostBasedAuthentication', () => {
  const rules = primaryHostBasedAuthentication('127.0.0.1')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));

  it('requires a SCRAM password for every TCP connection', () => {
    const tcpRules = rules.filter(([type]) => type === 'host');
    expect(tcpRules.length).toBeGreaterThan(0);
    for (const rule of tcpRules) {
      expect(rule[3]).toBe('127.0.0.1/32');
      expect(rule.at(-1)).toBe('scram-sha-256');
    }
  });

  it('lets only the replication role stream WAL over TCP', () => {
    expect(rules).toContainEqual(['host', 'replication', REPLICATION_ROLE.name, '127.0.0.1/32', 'scram-sha-256']);
  });

  it('trusts only the private Unix socket', () => {
    expect(rules.filter((rule) => rule.at(-1) === 'trust').every(([type]) => type === 'local')).toBe(true);
  });
});

describe('applicationDatabaseFromUrl', () => {
  it('takes the database, user and password from DATABASE_PRIMARY_URL', () => {
    expect(applicationDatabaseFromUrl('postgres://workshop:workshop@127.0.0.1:15432/workshop')).toEqual({
      database: 'workshop',
      user: 'workshop',
      password: 'workshop',
    });
  });

  it('decodes percent-encoded parts', () => {
    expect(applicationDatabaseFromUrl('postgresql://app%40x:p%2Fw@localhost/my%20db')).toEqual({
      database: 'my db',
      user: 'app@x',
      password: 'p/w',
    });
  });
});

describe('replicationSlotName', () => {
  it('is a valid slot name per replica number', () => {
    expect(replicationSlotName(1)).toBe('replica_1');
    expect(replicationSlotName(2)).toMatch(/^[a-z0-9_]+$/);
  });
});
