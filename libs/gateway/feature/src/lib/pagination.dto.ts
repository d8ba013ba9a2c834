import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DomainError, ValidationError } from '@workshop/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@workshop/pagination';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { OrderJson, UserJson } from './presenters';

/** `?cursor=&limit=` on every list: the cursor is the `nextCursor` of the previous page. */
export class PageQuery {
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page; omit for the first page. Opaque.', maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Items per page.', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export interface Page<Item> {
  items: Item[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

const NEXT_CURSOR = { type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' };

/** A page of users. OpenAPI has no generics: each list gets its own page class. */
export class UserPageJson implements Page<UserJson> {
  @ApiProperty({ type: [UserJson] })
  items!: UserJson[];

  @ApiProperty(NEXT_CURSOR)
  nextCursor!: string | null;
}

export class OrderPageJson implements Page<OrderJson> {
  @ApiProperty({ type: [OrderJson] })
  items!: OrderJson[];

  @ApiProperty(NEXT_CURSOR)
  nextCursor!: string | null;
}

/** The HTTP API's page from a service's list response: an empty next page token is the last page. */
export function toPageJson<Item>(items: Item[], nextPageToken: string): Page<Item> {
  return { items, nextCursor: nextPageToken === '' ? null : nextPageToken };
}

/**
 * Runs a downstream list call, reporting paging errors under the names this API uses: the
 * services call them pageToken and pageSize, the HTTP API cursor and limit (GraphQL: after and
 * first). A batch names them by position (`requests[2].pageToken`); the position is dropped,
 * since the caller asked for one page.
 */
export async function withPagingFieldNames<T>(call: () => Promise<T>, names: PagingFieldNames = HTTP_PAGING_FIELDS): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DomainError && error.violations.length > 0) {
      const renamed = error.violations.map((violation) => {
        const serviceField = violation.field.replace(/^requests\[\d+\]\./, '');
        return {
          ...violation,
          field: Object.hasOwn(names, serviceField) ? names[serviceField as keyof PagingFieldNames] : violation.field,
        };
      });
      throw new ValidationError(renamed);
    }
    throw error;
  }
}

export interface PagingFieldNames {
  pageSize: string;
  pageToken: string;
}

const HTTP_PAGING_FIELDS: PagingFieldNames = { pageSize: 'limit', pageToken: 'cursor' };
