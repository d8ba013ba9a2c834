export type { ComponentName, ComponentState, ComponentStatus } from './lib/infrastructure-component';
export { ComponentStartError } from './lib/infrastructure-component';
export {
  infrastructureStatus,
  InfrastructureStartError,
  pauseComponent,
  pauseReplicaReplay,
  resetInfrastructure,
  resumeComponent,
  resumeReplicaReplay,
  setReplicaApplyDelay,
  startComponent,
  startInfrastructure,
  stopComponent,
  stopInfrastructure,
  upInfrastructure,
  waitForInfrastructure,
  type InfrastructureOptions,
  type InfrastructureUpResult,
} from './lib/infrastructure';
export { KAFKA_VERSION } from './lib/kafka';
export { MissingPrerequisitesError } from './lib/prerequisites';
export { formatStatusTable, isHealthy } from './lib/status-table';
