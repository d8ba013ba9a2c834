import { DomainError, ValidationError } from '@workshop/errors';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?cursor=&limit=` on every list: the cursor is the `nextCursor` of the previous page. */
export class PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export interface Page<Item> {
  items: Item[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Runs a downstream list call, reporting paging errors under the names this API uses: the
 * services call them pageToken and pageSize, the HTTP API cursor and limit.
 */
export async function withPagingFieldNames<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DomainError && error.violations.length > 0) {
      const renamed = error.violations.map((violation) => ({
        ...violation,
        field: HTTP_PAGING_FIELDS[violation.field] ?? violation.field,
      }));
      throw new ValidationError(renamed);
    }
    throw error;
  }
}

const HTTP_PAGING_FIELDS: Record<string, string> = { pageToken: 'cursor', pageSize: 'limit' };
