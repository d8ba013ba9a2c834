import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { CREDIT_REJECTED_TOPIC, CREDIT_RELEASED_TOPIC, CREDIT_RESERVED_TOPIC } from '@workshop/contracts';
import { type Cache, createCache, type CacheConfig } from '@workshop/cache';
import { DatabaseRouter, runMigrations, type DatabaseConfig } from '@workshop/db';
import { EventConsumer, EventPublisher, Inbox, OutboxRelay, ensureTopicsInBackground, type KafkaConfig } from '@workshop/messaging';
import { type Logger, READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { CreditConsumer } from './credit.consumer';
import { CreditRepository } from './credit.repository';
import { CreditService } from './credit.service';
import { OrderStatisticsConsumer } from './order-statistics.consumer';
import { PasswordHasher } from './password-hasher';
import { UserCache } from './user.cache';
import { UserGrpcController } from './user.grpc-controller';
import { USER_MIGRATIONS, USER_SCHEMA } from './user.migrations';
import { UserRepository } from './user.repository';
import { UserService } from './user.service';
import {
  CACHE,
  CREDIT_EVENTS_CONSUMER,
  DATABASE,
  INBOX,
  ORDER_EVENTS_CONSUMER,
  PASSWORD_HASHER,
  USER_LOGGER,
  USER_MODULE_OPTIONS,
  USER_MODULE_SETTINGS,
  type UserModuleSettings,
} from './user.tokens';

export interface UserModuleOptions extends UserModuleSettings {
  database: DatabaseConfig;
  cache: CacheConfig;
  kafka: KafkaConfig;
  /** Instances sharing a group id share its partitions; each concern consumes in a group of its own. */
  consumerGroups: { orderStatistics: string; credit: string };
  logger: Logger;
}

/**
 * Everything user-service does, as one module: the gRPC controller, its service and repository,
 * the order-statistics consumer, the credit step of the order saga with the outbox relay that
 * publishes its decisions, and the clients they share. The app only loads config and starts the
 * transports.
 */
@Module({})
export class UserModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;
  private topicCreation?: { stop(): void };

  constructor(
    @Inject(DATABASE) private readonly db: DatabaseRouter,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(USER_LOGGER) private readonly logger: Logger,
    @Inject(USER_MODULE_OPTIONS) private readonly options: UserModuleOptions,
  ) {}

  static forRoot(options: UserModuleOptions): DynamicModule {
    return {
      module: UserModule,
      controllers: [UserGrpcController],
      providers: [
        { provide: USER_MODULE_OPTIONS, useValue: options },
        { provide: USER_LOGGER, useValue: options.logger },
        {
          provide: USER_MODULE_SETTINGS,
          useValue: {
            adminEmails: options.adminEmails,
            defaultCreditLimitMinor: options.defaultCreditLimitMinor,
            creditCheckDelayMs: options.creditCheckDelayMs,
          } satisfies UserModuleSettings,
        },
        { provide: PASSWORD_HASHER, useFactory: () => new PasswordHasher() },
        { provide: DATABASE, useFactory: () => new DatabaseRouter(options.database, options.logger) },
        {
          provide: CACHE,
          // Subscribed to the invalidation bus before the first request is served.
          useFactory: async () => {
            const cache = createCache(options.cache, options.logger);
            await cache.start();
            return cache;
          },
        },
        {
          provide: ORDER_EVENTS_CONSUMER,
          useFactory: () => new EventConsumer({ ...options.kafka, groupId: options.consumerGroups.orderStatistics }, options.logger),
        },
        {
          provide: CREDIT_EVENTS_CONSUMER,
          useFactory: () => new EventConsumer({ ...options.kafka, groupId: options.consumerGroups.credit }, options.logger),
        },
        { provide: INBOX, inject: [DATABASE], useFactory: (db: DatabaseRouter) => new Inbox(db, USER_SCHEMA) },
        {
          provide: READINESS_CHECKS,
          inject: [DATABASE],
          // The cache is left out on purpose: without it reads are slower, not impossible.
          useFactory: (db: DatabaseRouter): ReadinessCheck[] => [{ name: 'postgres', check: () => db.ping() }],
        },
        UserRepository,
        UserCache,
        UserService,
        OrderStatisticsConsumer,
        CreditRepository,
        CreditService,
        CreditConsumer,
      ],
      exports: [READINESS_CHECKS],
    };
  }

  /** Migrations run before the gRPC server listens: no request ever meets an old schema. */
  async onModuleInit(): Promise<void> {
    const applied = await runMigrations(this.db, { schema: USER_SCHEMA, migrations: USER_MIGRATIONS, logger: this.logger });
    if (applied.length > 0) this.logger.info({ applied }, 'Database migrations applied');
  }

  /**
   * The relay publishes the credit decisions in the background. Neither it nor the topics need
   * Kafka at start-up: while the broker is down, decisions wait in the outbox.
   */
  async onApplicationBootstrap(): Promise<void> {
    this.topicCreation = ensureTopicsInBackground(
      this.options.kafka,
      [CREDIT_RESERVED_TOPIC, CREDIT_REJECTED_TOPIC, CREDIT_RELEASED_TOPIC],
      this.logger,
    );
    this.relay = new OutboxRelay({
      db: this.db,
      // One producer per batch in flight; the relay disconnects them when it stops.
      createPublisher: () => new EventPublisher(this.options.kafka, this.logger),
      schema: USER_SCHEMA,
      logger: this.logger,
    });
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.topicCreation?.stop();
    await this.relay?.stop();
    await Promise.allSettled([this.db.close(), this.cache.close()]);
  }
}
