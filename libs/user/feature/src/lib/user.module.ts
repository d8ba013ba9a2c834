import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Cache, createCache, type CacheConfig } from '@workshop/cache';
import { DatabaseRouter, runMigrations, type DatabaseConfig } from '@workshop/db';
import { EventConsumer, Inbox, type EventConsumerConfig } from '@workshop/messaging';
import { type Logger, READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { OrderStatisticsConsumer } from './order-statistics.consumer';
import { PasswordHasher } from './password-hasher';
import { UserCache } from './user.cache';
import { UserGrpcController } from './user.grpc-controller';
import { USER_MIGRATIONS, USER_SCHEMA } from './user.migrations';
import { UserRepository } from './user.repository';
import { UserService } from './user.service';
import {
  CACHE,
  DATABASE,
  INBOX,
  ORDER_EVENTS_CONSUMER,
  PASSWORD_HASHER,
  USER_LOGGER,
  USER_MODULE_SETTINGS,
  type UserModuleSettings,
} from './user.tokens';

export interface UserModuleOptions extends UserModuleSettings {
  database: DatabaseConfig;
  cache: CacheConfig;
  kafka: EventConsumerConfig;
  logger: Logger;
}

/**
 * Everything user-service does, as one module: the gRPC controller, its service and repository,
 * the order-statistics consumer, and the clients they share. The app only loads config and
 * starts the transports.
 */
@Module({})
export class UserModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly db: DatabaseRouter,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(USER_LOGGER) private readonly logger: Logger,
  ) {}

  static forRoot(options: UserModuleOptions): DynamicModule {
    return {
      module: UserModule,
      controllers: [UserGrpcController],
      providers: [
        { provide: USER_LOGGER, useValue: options.logger },
        { provide: USER_MODULE_SETTINGS, useValue: { adminEmails: options.adminEmails } satisfies UserModuleSettings },
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
        { provide: ORDER_EVENTS_CONSUMER, useFactory: () => new EventConsumer(options.kafka, options.logger) },
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
      ],
      exports: [READINESS_CHECKS],
    };
  }

  /** Migrations run before the gRPC server listens: no request ever meets an old schema. */
  async onModuleInit(): Promise<void> {
    const applied = await runMigrations(this.db, { schema: USER_SCHEMA, migrations: USER_MIGRATIONS, logger: this.logger });
    if (applied.length > 0) this.logger.info({ applied }, 'Database migrations applied');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.db.close(), this.cache.close()]);
  }
}
