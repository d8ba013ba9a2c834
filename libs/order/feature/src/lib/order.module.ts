import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ClientsModule, type ClientGrpc } from '@nestjs/microservices';
import { ALL_TOPICS, USER_PACKAGE, userV1 } from '@workshop/contracts';
import { type Cache, createCache, type CacheConfig } from '@workshop/cache';
import { DatabaseRouter, runMigrations, type DatabaseConfig } from '@workshop/db';
import { grpcClientOptions, waitForChannelReady } from '@workshop/grpc';
import { EventConsumer, EventPublisher, Inbox, OutboxRelay, ensureTopicsInBackground, type KafkaConfig } from '@workshop/messaging';
import { type Logger, READINESS_CHECKS } from '@workshop/observability';
import { OrderSagaConsumer } from './order-saga.consumer';
import { OrderCache } from './order.cache';
import { OrderGrpcController } from './order.grpc-controller';
import { ORDER_MIGRATIONS, ORDER_SCHEMA } from './order.migrations';
import { OrderRepository } from './order.repository';
import { OrderService, type OrderServiceOptions } from './order.service';
import { CACHE, DATABASE, INBOX, ORDER_LOGGER, ORDER_MODULE_OPTIONS, ORDER_SAGA_CONSUMER, USER_SERVICE_CLIENT } from './order.tokens';

export interface OrderModuleOptions extends OrderServiceOptions {
  database: DatabaseConfig;
  cache: CacheConfig;
  kafka: KafkaConfig;
  /** Consumer group of the saga's credit events; instances sharing it share the partitions. */
  sagaConsumerGroup: string;
  /** One instance, a list of instances or a dns:/// name; the channel balances over them. */
  userServiceUrl: string;
  /** Attempts per idempotent call that finds an instance unavailable (1 = no retry). */
  grpcRetryMaxAttempts: number;
  logger: Logger;
}

/**
 * Everything order-service does, as one module: the gRPC controller, its service and
 * repository, the client for user-service, the saga's consumer of credit events, and the outbox
 * relay that publishes order events.
 */
@Module({})
export class OrderModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;
  private topicCreation?: { stop(): void };

  constructor(
    @Inject(DATABASE) private readonly db: DatabaseRouter,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(ORDER_MODULE_OPTIONS) private readonly options: OrderModuleOptions,
  ) {}

  static forRoot(options: OrderModuleOptions): DynamicModule {
    return {
      module: OrderModule,
      imports: [
        ClientsModule.register([
          grpcClientOptions(USER_SERVICE_CLIENT, USER_PACKAGE, {
            address: options.userServiceUrl,
            deadlineMs: options.grpcDeadlineMs,
            // ReserveCredit and ReleaseCredit are idempotent per order id: asking again returns the first decision.
            retry: {
              idempotentMethods: ['GetUser', 'ListUsers', 'ReserveCredit', 'ReleaseCredit'],
              maxAttempts: options.grpcRetryMaxAttempts,
            },
          }),
        ]),
      ],
      controllers: [OrderGrpcController],
      providers: [
        { provide: ORDER_MODULE_OPTIONS, useValue: options },
        { provide: ORDER_LOGGER, useValue: options.logger },
        { provide: DATABASE, useFactory: () => new DatabaseRouter(options.database, options.logger) },
        {
          provide: CACHE,
          useFactory: async () => {
            const cache = createCache(options.cache, options.logger);
            await cache.start();
            return cache;
          },
        },
        {
          provide: ORDER_SAGA_CONSUMER,
          useFactory: () => new EventConsumer({ ...options.kafka, groupId: options.sagaConsumerGroup }, options.logger),
        },
        { provide: INBOX, inject: [DATABASE], useFactory: (db: DatabaseRouter) => new Inbox(db, ORDER_SCHEMA) },
        {
          provide: READINESS_CHECKS,
          inject: [DATABASE, USER_SERVICE_CLIENT],
          useFactory: (db: DatabaseRouter, userService: ClientGrpc) => [
            { name: 'postgres', check: () => db.ping() },
            { name: 'user-service', check: () => waitForChannelReady(userService, userV1.USER_SERVICE_NAME, 1_000) },
          ],
        },
        OrderRepository,
        OrderCache,
        OrderService,
        OrderSagaConsumer,
      ],
      exports: [READINESS_CHECKS],
    };
  }

  async onModuleInit(): Promise<void> {
    const { logger } = this.options;
    const applied = await runMigrations(this.db, { schema: ORDER_SCHEMA, migrations: ORDER_MIGRATIONS, logger });
    if (applied.length > 0) logger.info({ applied }, 'Database migrations applied');
  }

  /**
   * The relay publishes in the background. It needs no Kafka connection to start (the publisher
   * connects on first use); while Kafka is down, orders are still accepted, their events wait in
   * the outbox, and the relay publishes them when it returns.
   */
  async onApplicationBootstrap(): Promise<void> {
    // The producer owns its topics: created explicitly, with the configured partition count, in the
    // background, so that with Kafka down the service still starts and takes orders.
    this.topicCreation = ensureTopicsInBackground(this.options.kafka, ALL_TOPICS, this.options.logger);
    this.relay = new OutboxRelay({
      db: this.db,
      // One producer per batch in flight; the relay disconnects them when it stops.
      createPublisher: () => new EventPublisher(this.options.kafka, this.options.logger),
      schema: ORDER_SCHEMA,
      logger: this.options.logger,
    });
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.topicCreation?.stop();
    await this.relay?.stop();
    await Promise.allSettled([this.db.close(), this.cache.close()]);
  }
}
