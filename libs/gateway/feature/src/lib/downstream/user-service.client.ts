import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { userV1 } from '@workshop/contracts';
import { type CallerIdentity, type UnaryCalls, callUnary, callerIdentityMetadata, unaryCalls } from '@workshop/grpc';
import { GATEWAY_OPTIONS, type GatewayOptions, USER_SERVICE_GRPC } from './downstream.tokens';

/**
 * The gateway's only door to user-service: one method per RPC, each with a deadline. Calls made
 * for a signed-in caller carry the caller's identity in the metadata; sign-up and the credential
 * check have no caller yet.
 */
@Injectable()
export class UserServiceClient {
  private readonly rpc: UnaryCalls<userV1.UserServiceClient>;

  constructor(
    @Inject(USER_SERVICE_GRPC) client: ClientGrpc,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.rpc = unaryCalls<userV1.UserServiceClient>(client, userV1.USER_SERVICE_NAME);
  }

  createUser(request: userV1.CreateUserRequest): Promise<userV1.CreateUserResponse> {
    return callUnary(this.rpc.createUser, request, { deadlineMs: this.options.grpcDeadlineMs });
  }

  verifyCredentials(request: userV1.VerifyCredentialsRequest): Promise<userV1.VerifyCredentialsResponse> {
    return callUnary(this.rpc.verifyCredentials, request, { deadlineMs: this.options.grpcDeadlineMs });
  }

  getUser(caller: CallerIdentity, request: userV1.GetUserRequest): Promise<userV1.GetUserResponse> {
    return callUnary(this.rpc.getUser, request, this.callOptions(caller));
  }

  listUsers(caller: CallerIdentity, request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    return callUnary(this.rpc.listUsers, request, this.callOptions(caller));
  }

  batchGetUsers(caller: CallerIdentity, request: userV1.BatchGetUsersRequest): Promise<userV1.BatchGetUsersResponse> {
    return callUnary(this.rpc.batchGetUsers, request, this.callOptions(caller));
  }

  updateUser(caller: CallerIdentity, request: userV1.UpdateUserRequest): Promise<userV1.UpdateUserResponse> {
    return callUnary(this.rpc.updateUser, request, this.callOptions(caller));
  }

  private callOptions(caller: CallerIdentity) {
    return { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) };
  }
}
