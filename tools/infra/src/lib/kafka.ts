import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ComponentStartError } from './infrastructure-component';
import type { InfrastructurePaths } from './infrastructure-paths';
import { type ListenAddress, LocalProcessComponent } from './local-process-component';
import { readPidFile, removePidFile, runCommand, spawnDetached, terminateProcessGroup, waitUntil, writePidFile } from './processes';

/**
 * The newest Kafka that kafkajs 2.2.4 works with. kafkajs negotiates each API's version with the
 * broker, and every version it needs (Produce v7, Fetch v11, JoinGroup v5, InitProducerId v1, ...)
 * is still served by Kafka 4.4, which dropped only the oldest versions (KIP-896). Verified by a
 * kafkajs round trip: topics with several partitions, an idempotent producer, a consumer group
 * committing offsets (tools/infra/src/infrastructure.integration.ts). Must equal the default in
 * tools/infra/kafka/pom.xml.
 */
export const KAFKA_VERSION = '4.4.0';

/** Fixed, so the broker never competes with the services for this small machine's memory. */
const KAFKA_HEAP = '512m';
const POM_FILE = resolve(__dirname, '../../kafka/pom.xml');
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
/** A consumer group nobody uses: describing it makes the broker load its group coordinator. */
const READINESS_PROBE_GROUP = 'workshop-infra-readiness-probe';

export interface KafkaServerSettings {
  host: string;
  port: number;
  controllerPort: number;
  dataDirectory: string;
  partitions: number;
}

/**
 * server.properties of a single node that is both broker and KRaft controller. Internal topics
 * get replication factor 1 (there is one broker), and topics are never created implicitly: the
 * project creates each one explicitly, with its partition count, so a typo fails loudly.
 */
export function kafkaServerProperties(settings: KafkaServerSettings): string {
  const { host, port, controllerPort } = settings;
  return [
    '# Written by tools/infra on every start; edits here are lost.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${settings.dataDirectory}`,
    `num.partitions=${settings.partitions}`,
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumers that join a new group get partitions at once instead of after 3 s: tests and
    // restarts stay fast. Production keeps the default to avoid a rebalance per joining member.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

/** log4j2 configuration: everything the broker logs goes to one file, nothing to the console. */
export function kafkaLoggingConfig(logFile: string): string {
  return [
    '# Written by tools/infra on every start; edits here are lost.',
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    // Per-request and per-partition chatter that buries what an operator looks for.
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.stateChange.name = state.change.logger',
    'logger.stateChange.level = WARN',
    '',
  ].join('\n');
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, as `kafka-storage
 * random-uuid` prints (which also avoids a leading '-', since the id is passed on a command line).
 */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A combined broker + KRaft controller, run from jars fetched from Maven Central. */
export class KafkaBroker extends LocalProcessComponent {
  readonly name = 'kafka' as const;
  readonly address: string;

  constructor(
    private readonly settings: Omit<KafkaServerSettings, 'dataDirectory'>,
    private readonly paths: InfrastructurePaths['kafka'],
  ) {
    super();
    this.address = `${settings.host}:${settings.port}`;
  }

  /** The broker runs as `java ... kafka.Kafka <server.properties>`. */
  protected get commandMarker(): string {
    return this.paths.serverProperties;
  }

  protected get pid(): number | undefined {
    return readPidFile(this.paths.pidFile);
  }

  /** Whether the jars of KAFKA_VERSION are already in `.infra/kafka/libs` (else `up` needs mvn). */
  hasLibraries(): boolean {
    return existsSync(this.librariesMarker);
  }

  private get librariesMarker(): string {
    return join(this.paths.libraries, `.complete-kafka-${KAFKA_VERSION}`);
  }

  protected override async describe(): Promise<string> {
    return `Kafka ${KAFKA_VERSION}, KRaft, controller on ${this.settings.host}:${this.settings.controllerPort}`;
  }

  protected get listenAddresses(): readonly ListenAddress[] {
    return [this.settings.port, this.settings.controllerPort].map((port) => ({ host: this.settings.host, port }));
  }

  protected get startLog(): string {
    return this.paths.log;
  }

  protected async launch(): Promise<void> {
    mkdirSync(this.paths.directory, { recursive: true });
    await this.ensureLibraries();
    writeFileSync(this.paths.serverProperties, kafkaServerProperties({ ...this.settings, dataDirectory: this.paths.data }));
    writeFileSync(this.paths.loggingConfig, kafkaLoggingConfig(this.paths.log));
    await this.formatStorageIfNeeded();
    const pid = spawnDetached('java', [...this.javaOptions(), 'kafka.Kafka', this.paths.serverProperties], {
      consoleLog: this.paths.consoleLog,
      cwd: this.paths.directory,
    });
    writePidFile(this.paths.pidFile, pid);
  }

  private javaOptions(): string[] {
    return [
      `-Xmx${KAFKA_HEAP}`,
      `-Xms${KAFKA_HEAP}`,
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${this.paths.loggingConfig}`,
      '-cp',
      // The JVM expands a trailing '*' to every jar in the directory.
      `${this.paths.libraries}/*`,
    ];
  }

  /** Downloads the broker's jars once per version; a half-finished download is never used. */
  private async ensureLibraries(): Promise<void> {
    if (this.hasLibraries()) return;
    const downloading = `${this.paths.libraries}.download`;
    rmSync(downloading, { recursive: true, force: true });
    try {
      await runCommand(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          POM_FILE,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${downloading}`,
          `-Dkafka.version=${KAFKA_VERSION}`,
        ],
        { timeoutMs: 10 * 60_000 },
      );
    } catch (error) {
      throw new ComponentStartError(this.name, `could not download Kafka ${KAFKA_VERSION} from Maven Central`, this.paths.consoleLog, {
        cause: error,
      });
    }
    writeFileSync(join(downloading, `.complete-kafka-${KAFKA_VERSION}`), `${new Date().toISOString()}\n`);
    rmSync(this.paths.libraries, { recursive: true, force: true });
    renameSync(downloading, this.paths.libraries);
  }

  /** KRaft needs its log directory formatted once; `--standalone` makes this node the only voter. */
  private async formatStorageIfNeeded(): Promise<void> {
    if (existsSync(join(this.paths.data, 'meta.properties'))) return;
    rmSync(this.paths.data, { recursive: true, force: true });
    try {
      await runCommand('java', [
        ...this.javaOptions(),
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        '--cluster-id',
        newKafkaClusterId(),
        '--config',
        this.paths.serverProperties,
      ]);
    } catch (error) {
      throw new ComponentStartError(this.name, 'formatting its storage failed', this.paths.log, { cause: error });
    }
  }

  /**
   * Waits until the broker answers a metadata request and its group coordinator has loaded, so
   * the first consumer group of a test does not meet "coordinator is loading" errors.
   */
  protected async ensureReady(): Promise<void> {
    let died = false;
    const ready = await waitUntil(
      async () => {
        if (this.state === 'stopped') {
          died = true;
          return true;
        }
        return kafkaAnswers(this.address);
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 500 },
    );
    if (died) {
      const consoleHint = `; the JVM's own output is in ${this.paths.consoleLog}`;
      throw new ComponentStartError(this.name, `the broker process exited${consoleHint}`, this.paths.log);
    }
    if (!ready) {
      throw new ComponentStartError(this.name, `no answer on ${this.address} within ${READY_TIMEOUT_MS / 1000}s`, this.paths.log);
    }
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    // SIGTERM: a controlled shutdown, which flushes the logs so the next start needs no recovery.
    if (pid !== undefined) await terminateProcessGroup(pid, this.commandMarker, { timeoutMs: STOP_TIMEOUT_MS });
    removePidFile(this.paths.pidFile);
  }

  /** Deletes topics, offsets and logs; keeps the downloaded jars. */
  deleteData(): void {
    for (const path of [this.paths.data, this.paths.log, this.paths.consoleLog, this.paths.serverProperties, this.paths.loggingConfig]) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/** One attempt, no retries: metadata from the broker, then its group coordinator. */
async function kafkaAnswers(broker: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'workshop-infra',
    brokers: [broker],
    // Refused connections are the expected answer while the JVM starts.
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.describeGroups([READINESS_PROBE_GROUP]);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
