import { IsUUID } from 'class-validator';

/** `:id` route parameters: ids are UUIDs, so anything else is a 400 before any downstream call. */
export class IdParams {
  @IsUUID()
  id!: string;
}
