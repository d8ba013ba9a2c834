import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { userV1 } from '@workshop/contracts';
import { callUnary } from '@workshop/grpc';
import { GATEWAY_OPTIONS, type GatewayOptions, USER_SERVICE_GRPC } from './downstream.tokens';

/** The gateway's only door to user-service: one method per RPC, each with a deadline. */
@Injectable()
export class UserServiceClient {
  private readonly rpc: userV1.UserServiceClient;

  constructor(
    @Inject(USER_SERVICE_GRPC) client: ClientGrpc,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.rpc = client.getService<userV1.UserServiceClient>(userV1.USER_SERVICE_NAME);
  }

  createUser(request: userV1.CreateUserRequest): Promise<userV1.CreateUserResponse> {
    return callUnary(this.rpc.createUser.bind(this.rpc), request, { deadlineMs: this.options.grpcDeadlineMs });
  }

  getUser(request: userV1.GetUserRequest): Promise<userV1.GetUserResponse> {
    return callUnary(this.rpc.getUser.bind(this.rpc), request, { deadlineMs: this.options.grpcDeadlineMs });
  }

  updateUser(request: userV1.UpdateUserRequest): Promise<userV1.UpdateUserResponse> {
    return callUnary(this.rpc.updateUser.bind(this.rpc), request, { deadlineMs: this.options.grpcDeadlineMs });
  }

  listUsers(request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    return callUnary(this.rpc.listUsers.bind(this.rpc), request, { deadlineMs: this.options.grpcDeadlineMs });
  }
}
