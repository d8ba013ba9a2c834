/**
 * How to reach Kafka and how the project's topics are shaped. Services build it from
 * `loadInfrastructureConfig().kafka` plus their own client id.
 */
export interface KafkaConfig {
  /** `host:port` bootstrap addresses; the client discovers the rest of the cluster from them. */
  brokers: readonly string[];
  /** Names this process in broker logs and quotas, e.g. `order-service`. */
  clientId: string;
  /**
   * Partitions given to every topic `ensureTopics` creates. The partition count caps how many
   * consumers of one group can work in parallel, and a consumer processes up to this many
   * partitions concurrently.
   */
  topicPartitions: number;
  /** Copies of each partition; 1 on the single-broker development stack. */
  replicationFactor?: number;
}

export const DEFAULT_REPLICATION_FACTOR = 1;
