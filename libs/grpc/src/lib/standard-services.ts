import { type Server } from '@grpc/grpc-js';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ReflectionService } from '@grpc/reflection';
import { READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { HealthImplementation, service as healthServiceDefinition, type ServingStatus } from 'grpc-health-check';
import type { GrpcPackage } from './grpc-client';

/** The standard health service's fully qualified name, as a client asks reflection for it. */
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

/** How often the health service's status is brought up to date with the readiness checks. */
export const HEALTH_REFRESH_INTERVAL_MS = 5_000;

/**
 * The standard gRPC health service (grpc.health.v1.Health), serving the status of the same
 * readiness checks as GET /health/ready: a gRPC-native load balancer or orchestrator probe
 * (Kubernetes' grpc probe, Envoy, grpc-health-probe) sees what the HTTP one sees. The overall
 * status (service "") and each of the package's services report alike; on shutdown they turn
 * NOT_SERVING at once, so a balancer stops sending calls before the server stops taking them.
 */
@Injectable()
export class GrpcHealthReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private serviceNames: readonly string[] = [''];
  private refreshTimer?: NodeJS.Timeout;

  constructor(@Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = []) {}

  /** Adds the health service to `server`, reporting for `pkg`'s services and the server as a whole. */
  addTo(server: Pick<Server, 'addService'>, pkg: GrpcPackage): void {
    this.serviceNames = ['', ...Object.keys(pkg.definition)];
    this.health.addToServer(server);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), HEALTH_REFRESH_INTERVAL_MS);
    this.refreshTimer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.refreshTimer);
    this.report('NOT_SERVING');
  }

  /** Runs the readiness checks and reports what they found. */
  async refresh(): Promise<void> {
    const results = await Promise.allSettled(this.checks.map((check) => check.check()));
    this.report(results.every((result) => result.status === 'fulfilled') ? 'SERVING' : 'NOT_SERVING');
  }

  private report(status: ServingStatus): void {
    for (const name of this.serviceNames) this.health.setStatus(name, status);
  }
}

/** A package that carries its compiled .proto files, as the contracts lib generates them. */
export interface ReflectablePackage extends GrpcPackage {
  /** Serialized FileDescriptorProtos, base64, by file name. */
  readonly fileDescriptorProtos: Readonly<Record<string, string>>;
}

/**
 * Adds gRPC server reflection (v1 and v1alpha) to `server`, describing `pkg`'s services and the
 * health service, so grpcurl, Postman or any reflection client can list and call them without
 * the .proto files. It describes the package from the descriptors generated with the code,
 * the same source the server encodes with.
 */
export function addReflection(server: Pick<Server, 'addService'>, pkg: ReflectablePackage): void {
  const ownFiles = Object.values(pkg.fileDescriptorProtos).map((encoded) => Buffer.from(encoded, 'base64'));
  const healthFiles = healthServiceDefinition['Check']?.requestType.fileDescriptorProtos ?? [];
  // ReflectionService reads a proto-loader package definition only for its fileDescriptorProtos.
  const definition = { [pkg.name]: { fileDescriptorProtos: ownFiles }, [HEALTH_SERVICE_NAME]: { fileDescriptorProtos: healthFiles } };
  const services = [...Object.keys(pkg.definition), HEALTH_SERVICE_NAME];
  new ReflectionService(definition as unknown as ConstructorParameters<typeof ReflectionService>[0], { services }).addToServer(server);
}
