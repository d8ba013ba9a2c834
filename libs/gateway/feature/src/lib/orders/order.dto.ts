import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsInt, IsString, IsUUID, Matches, Max, Min, ValidateNested } from 'class-validator';

const CURRENCY_CODE = /^[A-Z]{3}$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_UNIT_PRICE_MINOR = 1_000_000_000;
const MAX_QUANTITY = 10_000;
const MAX_LINES = 100;

export class MoneyBody {
  /** Integer minor units (cents): money is never a float. */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_UNIT_PRICE_MINOR, description: 'Integer minor units (cents).', example: 1250 })
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_MINOR)
  amountMinor!: number;

  @ApiProperty({ pattern: CURRENCY_CODE.source, description: 'ISO 4217; every line of an order in the same one.', example: 'EUR' })
  @IsString()
  @Matches(CURRENCY_CODE, { message: 'currencyCode must be an ISO 4217 code such as EUR' })
  currencyCode!: string;
}

export class OrderLineBody {
  @ApiProperty({ pattern: SKU.source, example: 'BOOK-1843' })
  @IsString()
  @Matches(SKU, { message: 'sku must be 1 to 64 letters, digits, dots, dashes or underscores' })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_QUANTITY, example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;

  @ApiProperty({ type: MoneyBody })
  @ValidateNested()
  @Type(() => MoneyBody)
  unitPrice!: MoneyBody;
}

/** Body of POST /orders. */
export class PlaceOrderBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;

  @ApiProperty({ type: [OrderLineBody], minItems: 1, maxItems: MAX_LINES })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES)
  @ValidateNested({ each: true })
  @Type(() => OrderLineBody)
  lines!: OrderLineBody[];
}
