import { type Metadata } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { userV1 } from '@workshop/contracts';
import { callerIdentityFromMetadata } from '@workshop/grpc';
import { CreditService } from './credit.service';
import { UserService } from './user.service';

/**
 * The gRPC edge of user-service: translates requests into service calls and nothing more.
 * The generated decorator binds each method to its RPC, so a renamed RPC fails to compile
 * instead of silently never being called. Every RPC but sign-up and the credential check acts for
 * the caller the gateway names in the metadata.
 */
@Controller()
@userV1.UserServiceControllerMethods()
export class UserGrpcController implements userV1.UserServiceController {
  constructor(
    private readonly users: UserService,
    private readonly credit: CreditService,
  ) {}

  async createUser(request: userV1.CreateUserRequest): Promise<userV1.CreateUserResponse> {
    return { user: await this.users.createUser(request) };
  }

  async getUser(request: userV1.GetUserRequest, metadata?: Metadata): Promise<userV1.GetUserResponse> {
    return this.users.getUser(callerIdentityFromMetadata(metadata), request.id);
  }

  async listUsers(request: userV1.ListUsersRequest, metadata?: Metadata): Promise<userV1.ListUsersResponse> {
    return this.users.listUsers(callerIdentityFromMetadata(metadata), request);
  }

  async verifyCredentials(request: userV1.VerifyCredentialsRequest): Promise<userV1.VerifyCredentialsResponse> {
    return this.users.verifyCredentials(request);
  }

  async batchGetUsers(request: userV1.BatchGetUsersRequest, metadata?: Metadata): Promise<userV1.BatchGetUsersResponse> {
    return { users: await this.users.batchGetUsers(callerIdentityFromMetadata(metadata), request.ids) };
  }

  async updateUser(request: userV1.UpdateUserRequest, metadata?: Metadata): Promise<userV1.UpdateUserResponse> {
    return { user: await this.users.updateUser(callerIdentityFromMetadata(metadata), request) };
  }

  async reserveCredit(request: userV1.ReserveCreditRequest, metadata?: Metadata): Promise<userV1.ReserveCreditResponse> {
    return this.credit.reserveCredit(callerIdentityFromMetadata(metadata), request);
  }

  async releaseCredit(request: userV1.ReleaseCreditRequest, metadata?: Metadata): Promise<userV1.ReleaseCreditResponse> {
    await this.credit.releaseCredit(callerIdentityFromMetadata(metadata), request);
    return {};
  }
}
