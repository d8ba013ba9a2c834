import { findOnPath, missingPrerequisitesMessage, PREREQUISITES } from './prerequisites';

describe('missingPrerequisitesMessage', () => {
  const message = missingPrerequisitesMessage([PREREQUISITES.java, PREREQUISITES.postgres, PREREQUISITES.redis]);

  it('names each missing program and the Debian package that provides it', () => {
    expect(message).toContain('java (for Kafka): apt-get install openjdk-17-jre-headless');
    expect(message).toContain('apt-get install postgresql-15');
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain('sudo apt-get install -y openjdk-17-jre-headless postgresql-15 redis-server');
  });

  it('offers docker-compose.yml and the variables that point the project at it', () => {
    expect(message).toContain('docker-compose.yml');
    expect(message).toContain('KAFKA_BROKERS=127.0.0.1:19092');
    expect(message).toContain('DATABASE_PRIMARY_URL=postgres://workshop:workshop@127.0.0.1:15432/workshop');
    expect(message).toContain('DATABASE_REPLICA_URLS=postgres://workshop:workshop@127.0.0.1:15433/workshop');
    expect(message).toContain('REDIS_URL=redis://127.0.0.1:16379');
  });

  it('names memcached and its package when it is missing', () => {
    const memcachedMissing = missingPrerequisitesMessage([PREREQUISITES.memcached]);
    expect(memcachedMissing).toContain('memcached (for Memcached (the alternative cache store)): apt-get install memcached');
    expect(memcachedMissing).toContain('MEMCACHED_SERVERS=127.0.0.1:21211');
  });

  it('does not mention what is installed', () => {
    expect(missingPrerequisitesMessage([PREREQUISITES.maven])).not.toContain('redis-server');
  });
});

describe('findOnPath', () => {
  it('finds a program that exists and not one that does not', () => {
    expect(findOnPath('sh')).toMatch(/\/sh$/);
    expect(findOnPath('no-such-program-workshop-infra')).toBeUndefined();
  });
});
