import { Controller } from '@nestjs/common';
import { userV1 } from '@workshop/contracts';
import { UserService } from './user.service';

/**
 * The gRPC edge of user-service: translates requests into service calls and nothing more.
 * The generated decorator binds each method to its RPC, so a renamed RPC fails to compile
 * instead of silently never being called.
 */
@Controller()
@userV1.UserServiceControllerMethods()
export class UserGrpcController implements userV1.UserServiceController {
  constructor(private readonly users: UserService) {}

  async createUser(request: userV1.CreateUserRequest): Promise<userV1.CreateUserResponse> {
    return { user: await this.users.createUser(request) };
  }

  async getUser(request: userV1.GetUserRequest): Promise<userV1.GetUserResponse> {
    return this.users.getUser(request.id);
  }

  async updateUser(request: userV1.UpdateUserRequest): Promise<userV1.UpdateUserResponse> {
    return { user: await this.users.updateUser(request) };
  }

  async listUsers(request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    return this.users.listUsers(request);
  }
}
