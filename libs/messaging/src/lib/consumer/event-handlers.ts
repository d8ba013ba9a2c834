import { type EventConsumer } from './event-consumer';

/**
 * The base of a class whose `@HandlesEvent` methods one `EventConsumer` runs: it joins the group
 * once the application has started and leaves it gracefully on shutdown. The two methods are
 * NestJS's lifecycle hooks, called by name, so a provider that extends this needs no other wiring.
 */
export abstract class EventHandlers {
  protected constructor(private readonly eventConsumer: EventConsumer) {}

  /** Starts consuming; if Kafka is down, the consumer keeps trying in the background and the service starts anyway. */
  async onApplicationBootstrap(): Promise<void> {
    await this.eventConsumer.register(this).start();
  }

  /** Finishes the events in flight, commits them and leaves the group. */
  async onApplicationShutdown(): Promise<void> {
    await this.eventConsumer.stop();
  }
}
